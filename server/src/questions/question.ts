import { z } from 'zod';

/** A client's question support routed to the partner (rule 13), as the partner's inbox shows it. */
export const QuestionView = z.object({
  id: z.string(),
  clientAccountId: z.number(),
  pinId: z.string(),
  text: z.string(),
  createdAt: z.string(),
  answeredAt: z.string().nullable(),
});

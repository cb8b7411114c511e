/**
 * Answers the real amoCRM platform gives, kept as fixtures so the fake (and the tests) use the real shapes.
 * Each names where it was seen. Where a shape is inferred rather than captured, the comment says so.
 */

/**
 * `POST /oauth2/access_token` with a wrong (or rotated) client secret: league/oauth2-server's
 * `invalid_client`, worded by amoCRM, a 401 without `hint`. Source: the token endpoint's answer quoted in
 * issue 10 ("What the real amoCRM does…", item 2); the same title/detail pair as amoCRM's other OAuth errors.
 */
export const INVALID_CLIENT_401 = {
  title: 'Некорректный клиент',
  type: 'https://developers.amocrm.ru/v3/errors/OAuthProblemJson',
  status: 401,
  detail: 'Авторизация клиента не прошла',
} as const;

/**
 * An API call with a missing or dead access token. Source: amocrm/amocrm-api-php issue #333
 * (`last_response`), 2021.
 */
export const UNAUTHORIZED_401 = {
  title: 'Unauthorized',
  type: 'https://httpstatus.es/401',
  status: 401,
  detail: 'Неверный логин или пароль',
} as const;

/**
 * The gateway's block of an account (repeated 429s, or amoCRM's own IP ban): nginx's HTML page, not JSON.
 * Source: amocrm/amocrm-api-php issue #434 (`last_response` of `GET /api/v4/leads/…`, "Response body is
 * not json", code 403), 2022. The CRLFs are nginx's.
 */
export function nginxHtml(status: number, reason: string): string {
  const line = `${status} ${reason}`;
  return (
    `<html>\r\n<head><title>${line}</title></head>\r\n<body>\r\n<center><h1>${line}</h1></center>\r\n` +
    `<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
  );
}

/**
 * A 403 from the API itself (not the gateway): problem+json. Seen for a user without the rights a request
 * needs — amoCRM support's answer in amocrm/amocrm-api-php issue #33 ("запрос из под пользователя, у
 * которого нет прав"); creating custom fields needs an administrator. The exact `detail` wording of a rights
 * refusal is not captured; this one is the API's generic text.
 */
export const ACCESS_DENIED_403 = {
  title: 'Forbidden',
  type: 'https://httpstatus.es/403',
  status: 403,
  detail: 'Access denied',
} as const;

/**
 * An account that allows API calls only from listed IP addresses ("Безопасность → белый список IP") refuses
 * others with 403 problem+json naming the IP. Inferred (no capture at hand): the fake uses this wording so
 * the backend's handling, which keys on "problem+json vs nginx HTML" and not on the text, is exercised.
 */
export function ipNotAllowed403(ip: string) {
  return {
    title: 'Forbidden',
    type: 'https://httpstatus.es/403',
    status: 403,
    detail: `Access from IP ${ip} is not allowed`,
  } as const;
}

/**
 * `GET https://<api domain>/oauth2/account/current/subdomain` with `X-Refresh-Token`: where an account lives
 * now. Source: amocrm/amocrm-api-php `AmoCRMOAuth::getAccountDomainByRefreshToken` and
 * `AccountDomainModel::fromArray` (fields `id`, `subdomain`, `domain`, `top_level_domain`); the library sets
 * `domain` as its new base domain, so it is the full host.
 */
export function accountDomain(id: number, subdomain: string, domain: string) {
  return { id, subdomain, domain: `${subdomain}.${domain}`, top_level_domain: domain.split('.').pop()! };
}

import { problemResponses } from './errors';

describe('problemResponses', () => {
  it("documents each code under its own status, described by the code or by the route's words", () => {
    expect(problemResponses('link_used', { unprocessable: 'individuals get no contract' })).toEqual({
      409: { description: 'link_used' },
      422: { description: 'individuals get no contract' },
    });
  });

  it('describes two codes of one status together', () => {
    expect(problemResponses('conflict', 'link_used')).toEqual({
      409: { description: 'conflict; link_used' },
    });
  });
});

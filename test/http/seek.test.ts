// POST /seek on an open server: moves a watermark back, to the start or the end, and answers bad targets
// with one-line JSON errors.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type InjectServer, injectServer } from "../helpers/http.js";

describe("POST /seek (open mode)", () => {
  let s: InjectServer;
  const ids: number[] = [];
  const post = (url: string, payload: unknown) =>
    s.app.inject({ method: "POST", url, payload: payload as object });
  const read = async () =>
    (await s.app.inject({ method: "GET", url: "/messages?channel=plan&agent=builder" })).json() as {
      content: string;
    }[];

  before(async () => {
    s = await injectServer();
    for (const content of ["h1", "h2", "h3"]) {
      ids.push((await post("/send", { channel: "plan", sender: "boss", content })).json().id);
    }
  });
  after(() => s.close());

  it("moves a watermark back to re-read, and to the start and the end", async () => {
    assert.equal((await read()).length, 3);
    const back = await post("/seek", { channel: "plan", agent: "builder", to: ids[1] });
    assert.equal(back.statusCode, 200, back.body);
    assert.deepEqual(back.json(), { ok: true, watermark: ids[1] });
    assert.deepEqual(
      (await read()).map((m) => m.content),
      ["h3"],
    );
    assert.deepEqual((await post("/seek", { channel: "plan", agent: "builder", to: "start" })).json(), {
      ok: true,
      watermark: 0,
    });
    assert.equal((await read()).length, 3);
    await post("/seek", { channel: "plan", agent: "builder", to: "start" });
    assert.deepEqual((await post("/seek", { channel: "plan", agent: "builder", to: "end" })).json(), {
      ok: true,
      watermark: ids[2],
    });
    assert.deepEqual(await read(), []);
  });

  it("answers an id beyond the channel, a bad target or a missing field with 400 {error, code}", async () => {
    const cases: [unknown, RegExp][] = [
      [
        { channel: "plan", agent: "builder", to: (ids[2] as number) + 1 },
        /beyond the last message of channel 'plan'/,
      ],
      [{ channel: "plan", agent: "builder", to: "later" }, /^to /],
      [{ channel: "plan", agent: "builder" }, /^to /],
      [{ channel: "plan", to: 1 }, /^agent /],
      [{ channel: "a b", agent: "builder", to: 0 }, /channel/],
    ];
    for (const [body, message] of cases) {
      const r = await post("/seek", body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.equal(r.json().code, "invalid_argument");
      assert.match(r.json().error, message);
    }
  });
});

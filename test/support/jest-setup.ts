// End-to-end tests start real processes: allow minutes, not the 5 s default.
jest.setTimeout(180_000);

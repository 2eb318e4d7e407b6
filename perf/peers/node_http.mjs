// The plain Node `http` SSE peer of scripts/bench: what a user would write by hand without a library.
// See common.mjs for what it serves.
import { createServer } from "node:http";
import { servePlainPeer } from "./common.mjs";

servePlainPeer((handler) => createServer(handler));

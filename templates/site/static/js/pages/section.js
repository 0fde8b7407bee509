// A section whose pages are yet to come: the frame and its guard only.
import { start } from "../shell.js";

start(async () => {});

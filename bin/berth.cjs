#!/usr/bin/env node
"use strict";
const { join } = require("node:path");

const dist = join(__dirname, "..", "dist", "cli");
require(join(dist, "launch.cjs")).launch(join(dist, "berth.cjs"));

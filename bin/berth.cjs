#!/usr/bin/env node
"use strict";
// Node 22.1 and later keep V8's compiled code between runs when asked; Node 20 lacks it.
require("node:module").enableCompileCache?.();
require("../dist/cli/berth.cjs");

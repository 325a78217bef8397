#!/usr/bin/env node
// Node runs the TypeScript source directly (type stripping), so the bin needs no build step.
import '../src/main.ts';

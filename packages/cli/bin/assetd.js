#!/usr/bin/env node
// The CLI as npm installs it: JavaScript built from src/ (npm run build), so it runs on Node ≥ 20.
import '../dist/main.js';

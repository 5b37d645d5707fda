"""The language library: Chinese-first text normalisation and segmentation, the intent model
(`nlu`: sparse and sentence-encoder heads, calibration, out-of-scope), the emotion model, the
sentence encoders and their embedding cache, evaluation and clustering. Domain-free: it imports
only `kefu.kit` and `kefu.errors` (import-linter contract in pyproject.toml); the bot, kb,
conversation, quality and analytics domains build on it."""

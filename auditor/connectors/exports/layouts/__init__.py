"""One module per platform, each with its `LAYOUTS` (see `exports/model.py`)."""

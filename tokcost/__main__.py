"""``python -m tokcost``."""

import sys

from tokcost.cli import main

sys.exit(main())

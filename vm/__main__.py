"""`python -m esker.vm` is the `esker` command."""

import sys

from .cli import main

sys.exit(main())

"""``python -m catalogue.demo OUT.mrc [--count N] [--seed S]``."""

from catalogue.demo.generator import main

raise SystemExit(main())

"""``python -m exercise`` is the same as the ``digit-classifier`` command."""

from exercise.cli import main

raise SystemExit(main())

"""``python -m vae_course ...`` runs the command line (see vae_course.cli)."""
import sys

from vae_course.cli import main

sys.exit(main())

"""``python -m fungrad``: the command line (see ``fungrad.cli``).

    $ python -m fungrad show examples/autodiff_tour.py:loss --args 'f64[4]' --grad
"""
import sys

from fungrad.cli import main

if __name__ == "__main__":
    sys.exit(main())

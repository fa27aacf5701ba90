#!/usr/bin/env python3
"""Export a diffusers unCLIP (Karlo) pipeline to an unCLIP Studio ONNX model package.

    python export_karlo.py --source kakaobrain/karlo-v1-alpha --out ../models/karlo --verify

See README.md beside this file and ``python export_karlo.py --help``.
"""

import sys
from pathlib import Path

# Run as a script from anywhere: the supporting package lives beside this file.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from unclip_export.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

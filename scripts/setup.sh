#!/usr/bin/env bash
# Installs everything backcoach needs on a fresh Debian machine: system packages, a virtualenv
# in .venv and the package with its Python dependencies. Safe to run again; it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests="${1:-}"
# Pango (with its FreeType backend) and a font: WeasyPrint lays out the PDF report with them.
system_packages=(ffmpeg espeak-ng libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
if [ "$want_tests" = "--with-test-tools" ]; then
  system_packages+=(chromium tmux postgresql)
fi

missing=()
# Node's package manager installs the pose model the browser runs (package-lock.json).
command -v npm >/dev/null || missing+=(nodejs npm)
for package in "${system_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

python_bin="${PYTHON:-python3.11}"
command -v "$python_bin" >/dev/null || python_bin=python3
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtualenv in .venv"
  "$python_bin" -m venv .venv
fi

stamp=.venv/.backcoach-installed
fingerprint="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$fingerprint" ]; then
  echo "Installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$fingerprint" > "$stamp"
fi

# The pose model the live coach runs in the browser: @mediapipe/pose from the npm registry,
# pinned by package-lock.json, copied to where backcoach serves it (never fetched at run time).
pose_stamp=src/backcoach/web/pose_model/.installed
pose_fingerprint="$(cat package-lock.json src/backcoach/web/pose_assets.py | sha256sum | cut -d' ' -f1)"
if [ ! -f "$pose_stamp" ] || [ "$(cat "$pose_stamp")" != "$pose_fingerprint" ]; then
  echo "Installing the browser's pose model"
  if npm ci --no-audit --no-fund --ignore-scripts --loglevel=error \
    && .venv/bin/python -m backcoach.web.pose_assets install node_modules/@mediapipe/pose; then
    echo "$pose_fingerprint" > "$pose_stamp"
  elif [ "$want_tests" = "--with-test-tools" ]; then
    echo "The browser's pose model could not be installed (see above)." >&2
    exit 1
  else
    # The coach still works: the live page then sends camera pictures to the coach.
    echo "Warning: the browser's pose model could not be installed (see above); the live" \
      "coach will run pose on this computer instead. Run this script again to retry." >&2
  fi
fi

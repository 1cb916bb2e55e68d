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

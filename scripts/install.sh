#!/usr/bin/env bash
# Set-up shared by `make run` and `make test`: Debian packages, the venv and the Python packages.
# Does nothing when everything is already in place. Usage: scripts/install.sh [run|test]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

# libtesseract-dev, libleptonica-dev, pkg-config and g++: tesserocr is built against the
# system's Tesseract, the same engine as the `tesseract` program.
run_pkgs=(tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng tesseract-ocr-spa tesseract-ocr-deu
          tesseract-ocr-ita libtesseract-dev libleptonica-dev
          pkg-config g++ redis-server fonts-ocr-b fonts-dejavu-core python3-venv)
test_pkgs=(postgresql chromium fonts-liberation fonts-dejavu-core)
pkgs=("${run_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for pkg in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "install: missing system packages (${missing[*]}) and no apt-get here; install them by hand." >&2
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then sudo=""
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"
  else
    echo "install: these Debian packages are missing: ${missing[*]}" >&2
    echo "install: run this once, then try again:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "install: apt-get install ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "install: creating .venv"
  "$python" -m venv .venv
fi
stamp=.venv/.coc-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "install: pip install -e '.[dev]'"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q --no-binary tesserocr -e '.[dev]'
  touch "$stamp"
fi

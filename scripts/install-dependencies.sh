#!/usr/bin/env bash
# Installs what swift-nta needs beyond a Swift toolchain: FFTW 3 (Debian: libfftw3-dev) and pkg-config.
# Does nothing when pkg-config already finds fftw3. Needs root (or sudo) on a fresh Debian machine.
set -euo pipefail
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists fftw3; then
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
$sudo apt-get install -y -qq libfftw3-dev pkg-config >/dev/null

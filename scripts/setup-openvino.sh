#!/usr/bin/env bash
# Sets up OpenVINO in the cache:
#   scripts/setup-openvino.sh runtime [PLATFORM]  OpenVINO's runtime libraries from its PyPI wheel,
#                                                 for BackendsTest (prints the folder)
#   scripts/setup-openvino.sh export              a venv that exports fixtures/mlp_openvino.pte
#                                                 (prints its python)
set -euo pipefail
source "$(dirname "$0")/common.sh"
case "${1:-runtime}" in
  runtime) openvino_runtime "${2:-$(host_platform)}" ;;
  export) openvino_export_venv ;;
  *) die "usage: scripts/setup-openvino.sh runtime [PLATFORM] | export" ;;
esac

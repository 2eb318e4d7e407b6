# Shared by scripts/setup, scripts/run and scripts/test: installing Debian packages that are missing.
# Sourced, not run.

ssetool_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# ensure_packages PKG...: installs the packages that are not installed yet (apt-get update first, sudo when not root).
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "setup: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Packages needed to build ssetool and its tests.
build_packages=(g++ cmake ninja-build pkg-config libcpp-httplib-dev libssl-dev libcli11-dev libfmt-dev
                nlohmann-json3-dev catch2 libjq-dev libvalijson-dev libhiredis-dev
                libre2-dev)

# Packages for the fuzz targets (scripts/fuzz): clang 14 and its runtime libraries, libFuzzer's among them.
fuzz_packages=(clang-14 libclang-rt-14-dev)

# configure_dir DIR [CMAKE_ARGS...]: configures DIR when it is new or its arguments changed.
configure_dir() {
  local dir="$ssetool_root/$1"; shift
  local args="$*"
  if [ ! -f "$dir/CMakeCache.txt" ] || [ "$(cat "$dir/ssetool-cmake-args" 2>/dev/null)" != "$args" ]; then
    cmake -S "$ssetool_root" -B "$dir" -G Ninja "$@" >&2
    printf '%s' "$args" > "$dir/ssetool-cmake-args"
  fi
}

# configure_and_build DIR [CMAKE_ARGS...]: configures DIR (configure_dir), then builds all of it (incrementally).
configure_and_build() {
  configure_dir "$@"
  cmake --build "$ssetool_root/$1" -j "$(nproc)" >&2
}

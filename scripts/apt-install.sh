# Sourced by the install-*.sh scripts that add Debian packages for the bench helpers and the synthetic glyphs:
#   . "$(dirname "$0")/apt-install.sh"; apt_install NAME WHAT PACKAGE...
# installs the packages with apt-get (through sudo when not root) after an update, saying so as NAME; without
# apt-get it says to install WHAT by other means and exits 1.
apt_install() {
  name=$1
  what=$2
  shift 2
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: no apt-get here; install $what by other means" >&2
    exit 1
  fi
  echo "$name: installing $*"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=""; fi
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "$@"
}

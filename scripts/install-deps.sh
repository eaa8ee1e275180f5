#!/usr/bin/env bash
# Installs every Debian 12 package wambench needs to build, test and run.
# Idempotent and non-interactive; needs root (or sudo) for apt-get.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libmujoco-dev            # physics + renderer (MuJoCo 2.2.2)
  libqhull-dev             # its CMake target names /usr/include/libqhull_r
  libtorch-dev             # learned policies (LibTorch 1.13, CPU)
  libopenblas0-openmp      # BLAS behind LibTorch's matrix products (Debian's default is the slow reference BLAS)
  libgoogle-perftools-dev  # tcmalloc: LibTorch's per-step tensor allocations without page faults
  libosmesa6-dev           # software OpenGL (OSMesa backend)
  libegl-dev libegl-mesa0 libgl-dev  # EGL backend (Mesa llvmpipe when no GPU)
  libeigen3-dev            # IK linear algebra
  libstb-dev               # PNG writing
  libcli11-dev             # command-line parsing
  libspdlog-dev libfmt-dev # logging
  nlohmann-json3-dev       # JSON
  libpugixml-dev           # MJCF scene documents (tasks/mjcf.h)
  libboost-dev             # Boost.Math (statistics distributions); Boost.Beast + Asio (WebSocket transport)
  gnuplot-nox              # report plots (SVG)
  libhdf5-dev              # episode trajectories (HDF5, readable with h5py)
  libssl-dev               # SHA-256 of checkpoints and datasets (OpenSSL libcrypto)
  libavcodec-dev libavformat-dev libswscale-dev libavutil-dev  # rollout videos (MP4)
  libglfw3-dev libimgui-dev  # viewer window (GLFW) and panels (Dear ImGui 1.86, backends as sources)
  xvfb xauth               # viewer tests and screenshots on headless machines (xvfb-run)
  libgtest-dev libgmock-dev libbenchmark-dev  # tests and benchmarks
  python3 python3-h5py     # test helpers; h5py checks that recordings read in Python
  python3-pil              # test helper: reads the viewer's screenshots
  libmsgpack-cxx-dev       # openpi wire protocol: msgpack (`remote` policy, `wambench serve`)
  python3-dev pybind11-dev # the Python package `wambench` (python/)
  python3-numpy python3-pytest  # its tests (pytest, run by ctest)
  python3-websockets python3-msgpack  # stand-in openpi server and client in the protocol tests
  python3-torch            # TorchScript example exporter and the LibTorch/PyTorch parity test
  slurm-wlm munge          # `wambench slurm` tests: a one-node Slurm cluster (scripts/slurm-local.sh)
  libzmq3-dev cppzmq-dev   # the networked twin of the sim-to-real bridge (ZeroMQ; msgpack messages)
  ros-core libroscpp-dev libsensor-msgs-dev libgeometry-msgs-dev libstd-msgs-dev  # ROS 1 driver (RosRobot) and its tests against a real roscore
  python3-rospy python3-rostopic python3-sensor-msgs python3-geometry-msgs python3-std-msgs
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

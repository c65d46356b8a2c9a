# Two commands for a fresh machine (see README):
#   make serve   install the runtime and start the exercise on the demo camera (or a webcam)
#   make test    install everything (Debian packages, Python venvs) and run the whole suite
#
# Everything installs into .venv (the project's Python 3.11) and .venv-ros (Debian's
# /usr/bin/python3 with its ROS 1 packages and numpy 1.x, see the ROS section of README).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ROS_VENV := .venv-ros
# torch==2.13.0 is a local CPU wheel on the project's machines; any other spec pulls CUDA.
TORCH_SPEC ?= torch==2.13.0
APT_PACKAGES := chromium chromium-driver python3-venv \
	python3-rospy python3-rosmaster python3-roslaunch python3-cv-bridge python3-sensor-msgs \
	python3-std-msgs rospack-tools rosbash python3-rostest python3-rostopic catkin

.PHONY: serve test lint system-deps default-model gate-model detector-model
serve: $(VENV)/.runtime
	$(BIN)/digit-classifier serve $(ARGS)

test: system-deps $(VENV)/.dev $(ROS_VENV)/.ready
	$(BIN)/ruff check exercise tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check exercise tests benchmarks scripts
	$(BIN)/mypy

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e ".[train,test]"
	touch $@

# The ROS interpreter: Debian's python3 with its rospy/cv_bridge, plus our pure-Python
# dependencies under numpy<2 (cv_bridge breaks on numpy 2).
# The nodes start under it when its bin/ is first on PATH (`source .venv-ros/bin/activate`);
# the last line fails early if a wheel has replaced Debian's numpy 1.x or OpenCV.
$(ROS_VENV)/.ready: pyproject.toml docker/requirements-ros-venv.txt | system-deps
	/usr/bin/python3 -m venv --system-site-packages $(ROS_VENV)
	$(ROS_VENV)/bin/pip install -q -r docker/requirements-ros-venv.txt
	$(ROS_VENV)/bin/pip install -q --no-deps -e .
	$(ROS_VENV)/bin/python -c "import numpy, cv2, cv_bridge, rospy, onnxruntime, exercise.ros.node; \
		assert numpy.__version__.startswith('1.') and cv2.__file__.startswith('/usr/lib'), 'cv_bridge needs Debian numpy 1.x and cv2'"
	touch $@

# The page's editor bundle (static/vendor/codemirror.js, committed): needs node and npm,
# only when frontend/package.json changes. The browser tests: make test PYTEST_ARGS="-m browser".
.PHONY: frontend
frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build

# The bundled model, exactly as docs/model-card.md records it (about 15 min on 2 cores;
# without DATA it downloads MNIST into ~/.cache/digit-classifier/mnist): trained on MNIST,
# then fine-tuned on digits as the installed detector and gate read them.
DATA ?=
default-model: $(VENV)/.dev
	$(BIN)/digit-classifier train $(if $(DATA),--data $(DATA)) --out runs/default --arch digitnet \
		--epochs 13 --threads 2 --seed 2
	$(BIN)/digit-classifier scene-examples $(if $(DATA),--data $(DATA)) --out runs/scene-examples
	$(BIN)/digit-classifier train $(if $(DATA),--data $(DATA)) --finetune runs/default/best.pt \
		--extra runs/scene-examples --out runs/default-scenes --steps 1000 --seed 2 --threads 1
	cp runs/default-scenes/model.onnx exercise/assets/default_model.onnx

# The digit detector (exercise/assets/digit_detector.onnx), exactly as docs/detector-card.md
# records it: trains a base on drawn frames (about 50 minutes on 2 cores), fine-tunes it on
# frames of every tuning family (about 40 minutes), picks the threshold and installs it.
detector-model: $(VENV)/.dev
	$(BIN)/digit-classifier train-detector $(if $(DATA),--data $(DATA)) --out runs/detector-base --frames 12000 \
		--epochs 12 --zoom-in 1.7 --seed 1
	$(BIN)/digit-classifier train-detector $(if $(DATA),--data $(DATA)) --out runs/detector --frames 12000 \
		--epochs 6 --lr 0.001 --zoom-in 1.7 --seed 1 --init runs/detector-base/detector.pt
	$(BIN)/digit-classifier train-detector $(if $(DATA),--data $(DATA)) --out runs/detector-wide --frames 24000 \
		--epochs 4 --lr 0.001 --zoom-in 2.2 --seed 1 --init runs/detector/detector.pt --install

# The handwriting gate (exercise/assets/handwriting_gate.onnx), exactly as docs/gate-card.md
# records it: mines candidates from generated scenes, trains, exports and installs it.
gate-model: $(VENV)/.dev
	$(BIN)/digit-classifier train-gate $(if $(DATA),--data $(DATA)) --out runs/gate --frames 4000 \
		--epochs 30 --seed 1 --install

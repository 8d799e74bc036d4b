# Two entry points, each doing all of its own set-up on a fresh Debian machine:
#   make site   — install (with Debian chromium and CJK fonts for `guides print`, the web editor from npm), check and build the sample district into site/
#   make test   — install (with test tools and Debian's chromium) and run every test
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
APT_PKGS := chromium fonts-noto-cjk fonts-wqy-microhei poppler-utils
# tests only: LibreOffice (workbook opened and saved), Java (the W3C HTML validator vnu.jar),
# sshd, rsync and nginx (guides publish to a web server over SSH, tests/test_publish.py)
TEST_APT_PKGS := libreoffice-calc-nogui default-jre-headless openssh-server openssh-client rsync nginx-light

.PHONY: site test setup test-setup system-packages test-system-packages node-packages bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

site: setup system-packages node-packages
	$(BIN)/guides check
	$(BIN)/guides build

# Debian packages: the browser for tests and printing, CJK fonts, pdftoppm (PKGS to add more).
PKGS ?= $(APT_PKGS)
system-packages:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test-system-packages:
	@$(MAKE) --no-print-directory system-packages PKGS="$(APT_PKGS) $(TEST_APT_PKGS)"

# npm packages, exactly as package-lock.json locks them: the web editor (decap-cms),
# axe-core (tests/test_a11y.py) and lighthouse (scripts/lighthouse.py). Node.js from Debian if missing.
$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

node-packages: $(NPM_STAMP)

test-setup: setup test-system-packages node-packages

test: test-setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/build.py --stations 296

clean:
	rm -rf site .site.spare .site.staging-* .cache

"""Build .venv/ from environment.yml with the standard library only (for machines without conda).

    python3 tools/make_env.py          # creates or updates .venv, registers the Jupyter kernel
    python3 tools/make_env.py --force  # rebuild from scratch

It reads the same environment.yml a conda user would use: the Python version under
``dependencies`` and the ``pip:`` list (which installs this project with its dev extras,
whose dependencies are listed once, in pyproject.toml). The environment is rebuilt only when
environment.yml or pyproject.toml changed since the last successful build.
"""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".safermk-env-stamp"
KERNEL_NAME = "safermk-analysis"


def parse_environment(path: Path) -> tuple[str | None, list[str]]:
    """(python version, pip requirement lines) from a conda environment.yml (the subset we use)."""
    python, pip, in_pip, pip_indent = None, [], False, None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = line.strip()
        if in_pip and pip_indent is not None and indent <= pip_indent:
            in_pip = False
        if item.startswith("- pip:"):
            in_pip, pip_indent = True, indent
            continue
        if in_pip and item.startswith("- "):
            pip.append(item[2:].strip())
            continue
        m = re.match(r"^- python\s*=+\s*([\d.]+)", item)
        if m:
            python = m.group(1)
    return python, pip


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def find_interpreter(version: str | None) -> str:
    """An interpreter matching the environment's Python version (major.minor)."""
    want = tuple(int(x) for x in version.split(".")[:2]) if version else None
    if want is None or sys.version_info[:2] == want:
        return sys.executable
    for name in (f"python{want[0]}.{want[1]}", "python3", "python"):
        exe = shutil.which(name)
        if exe:
            out = subprocess.run([exe, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True)
            if tuple(int(x) for x in out.stdout.split()) == want:
                return exe
    if sys.version_info[:2] > want:
        print(f"note: Python {want[0]}.{want[1]} not found; using {sys.version.split()[0]} ({sys.executable})")
        return sys.executable
    sys.exit(f"error: environment.yml asks for Python {version}, and no python{want[0]}.{want[1]} is on PATH "
             f"(this is Python {sys.version.split()[0]}). Install Python {version} and run this again.")


def fingerprint() -> str:
    h = hashlib.sha256()
    for name in ("environment.yml", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def run(cmd: list[str]) -> None:
    print("+", " ".join(shlex.quote(str(c)) for c in cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def main() -> None:
    force = "--force" in sys.argv
    version, pip_lines = parse_environment(ROOT / "environment.yml")
    if not pip_lines:
        sys.exit("error: environment.yml has no pip: section to install")
    fp = fingerprint()
    if not force and venv_python().exists() and STAMP.exists() and STAMP.read_text().strip() == fp:
        print(f"environment up to date: {VENV}")
        return
    if force and VENV.exists():
        shutil.rmtree(VENV)
    if not venv_python().exists():
        run([find_interpreter(version), "-m", "venv", str(VENV)])
    py = str(venv_python())
    args: list[str] = []
    for line in pip_lines:
        args += shlex.split(line)
    run([py, "-m", "pip", "install", "--disable-pip-version-check", *args])
    run([py, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL_NAME,
         "--display-name", "Python (safermk-analysis)"])
    STAMP.write_text(fp)
    print(f"environment ready: {VENV} (Jupyter kernel '{KERNEL_NAME}')")


if __name__ == "__main__":
    main()

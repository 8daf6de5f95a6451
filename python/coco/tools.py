"""Finding and running coco's command-line tools (coco-opt, coco-translate,
coco-compile): $COCO_TOOLS_DIR, else the source tree's build/bin, else PATH.
"""
import os
import shutil
import subprocess

from .placements import CocoError


def tools_dir():
    """The directory holding coco-opt and the other coco tools."""
    env = os.environ.get("COCO_TOOLS_DIR")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.path.join(here, "..", "..", "build", "bin")
    if os.path.exists(os.path.join(build, "coco-opt")):
        return os.path.abspath(build)
    found = shutil.which("coco-opt")
    if found:
        return os.path.dirname(found)
    raise CocoError("cannot find the coco tools: build coco (tools/scripts/build.sh) "
                    "or set COCO_TOOLS_DIR")


def tool_path(name):
    return os.path.join(tools_dir(), name)


def run_tool(name, *args, stdin=None):
    """Runs coco tool `name`; returns its stdout, or raises CocoError with
    its diagnostics."""
    result = subprocess.run([tool_path(name), *args], input=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise CocoError(result.stderr.strip() or f"{name} failed ({result.returncode})")
    return result.stdout

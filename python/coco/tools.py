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
        # Checked here, where the name is known (running a missing
        # coco-opt was a FileNotFoundError).
        if not os.path.isdir(env):
            raise CocoError(f"COCO_TOOLS_DIR={env} is not a directory: set it to the coco "
                            "build's bin directory (the one holding coco-opt)")
        if not os.path.isfile(os.path.join(env, "coco-opt")):
            raise CocoError(f"COCO_TOOLS_DIR={env} holds no coco-opt: set it to the coco "
                            "build's bin directory")
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
    path = tool_path(name)
    try:
        result = subprocess.run([path, *args], input=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    except OSError as error:  # a build without this tool, say
        raise CocoError(f"cannot run {path}: {error.strerror}") from None
    if result.returncode != 0:
        raise CocoError(result.stderr.strip() or f"{name} failed ({result.returncode})")
    return result.stdout


def file_identity(path):
    """Which file is at `path`, or None if there is none: a file replaced
    or rewritten there has another identity."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)

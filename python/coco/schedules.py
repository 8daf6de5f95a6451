"""Schedules of a program: which of coco's schedule passes run before the
lowering, as coco-opt options, as a transform-dialect script, and as
coco-compile's lowering options. The passes are the judges: a schedule whose
preconditions fail is their diagnostic (or remark), not a check here.
"""
import os

from .placements import CocoError, check_int


def axis_list(axes):
    """None, an axis or a list of axes -> None or a tuple of ints."""
    if axes is None:
        return None
    if isinstance(axes, (int, str)) or not hasattr(axes, "__iter__"):
        axes = [axes]
    return tuple(check_int(a, "a grid axis") for a in axes)


def _names(shard_state):
    """shard_state as a tuple of names: one name may be given as a string
    (iterating "mw" gave the names 'm' and 'w')."""
    names = (shard_state,) if isinstance(shard_state, str) else \
        tuple(shard_state) if hasattr(shard_state, "__iter__") else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise CocoError(f"shard_state takes parameter names (a list, or one name), "
                        f"not {shard_state!r}")
    return names


def _quoted(text):
    """`text` inside an MLIR string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _option_value(text):
    """`text` as the value of a pass option: in quotes, which MLIR's pass
    options parser takes as one value and strips (a space ended the value,
    and the rest of a profile path was 'no such option'). It has no escapes:
    a value holding both kinds of quote cannot be given."""
    for quote in '"\'':
        if quote not in text:
            return f"{quote}{text}{quote}"
    raise CocoError(f"{text!r} holds both kinds of quote, which a pass option cannot carry")


class Schedule:
    """CoCoNet's schedules by hand (split, reorder, shard_state, fuse,
    overlap, hierarchical, axes), or the cost model's choice (`auto`: the
    machine profile and the number of ranks)."""

    def __init__(self, split=False, reorder=False, shard_state=(), fuse=False, overlap=0,
                 hierarchical=None, axes=None, auto=None):
        self.split = split
        self.reorder = reorder
        self.shard_state = _names(shard_state)
        self.fuse = fuse
        self.overlap = int(overlap)
        self.hierarchical = axis_list(hierarchical)
        self.axes = axis_list(axes)
        self.auto = auto

    @classmethod
    def chosen(cls, grid, split=False, reorder=False, shard_state=(), fuse=False, overlap=0,
               hierarchical=None, axes=None, profile=None, ranks=None, caller_bytes=0):
        """The schedule Program.schedule asks for (see its docstring)."""
        # split is True/False or "auto": another string ("autoo") was True,
        # a hand schedule instead of the cost model's.
        if isinstance(split, str) and split != "auto":
            raise CocoError(f"schedule({split!r}): the first argument is split (True or "
                            "False) or 'auto' (the cost model chooses)")
        if split == "auto":
            if not profile:
                raise CocoError("schedule('auto') needs profile=FILE (a machine profile: "
                                "coco-calibrate writes one)")
            if not isinstance(profile, (str, os.PathLike)):
                raise CocoError(f"schedule('auto'): profile is a file's path, got "
                                f"{type(profile).__name__}")
            if ranks is None and any(e is None for e in grid.shape):
                raise CocoError("schedule('auto') on a grid with '?' needs ranks=N")
            # The cost model picks among all of them: a hand-picked one would
            # be dropped without a word.
            given = [k for k, v in dict(reorder=reorder, fuse=fuse, overlap=overlap,
                                        hierarchical=hierarchical, axes=axes).items() if v]
            if given:
                raise CocoError(f"schedule('auto') chooses the schedule itself; it does not "
                                f"take {', '.join(given)} (shard_state= names the state it "
                                f"may shard)")
            if not isinstance(caller_bytes, int) or caller_bytes < 0:
                raise CocoError(f"caller_bytes is a number of bytes >= 0, got {caller_bytes!r}")
            if ranks is not None:
                ranks = check_int(ranks, "ranks", 1)
            return cls(shard_state=shard_state,
                       auto=(os.path.abspath(profile), ranks, int(caller_bytes)))
        given = [k for k, v in dict(profile=profile, ranks=ranks,
                                    caller_bytes=caller_bytes).items() if v]
        if given:
            raise CocoError(f"{', '.join(given)} only go with schedule('auto') (the cost "
                            f"model's inputs); a schedule by hand does not use them")
        if fuse and any(e is None for e in grid.shape):
            raise CocoError("fuse needs a static grid (the number of ranks at compile time)")
        overlap = check_int(overlap, "overlap (a number of chunks)")
        if overlap and overlap < 2:
            raise CocoError("overlap needs at least 2 chunks")
        # An axis beyond the grid matched no collective: the schedule did
        # nothing, and the passes' warning never reached Python.
        for what, value in (("axes", axes), ("hierarchical", hierarchical)):
            for axis in axis_list(value) or ():
                if axis >= grid.ndim:
                    raise CocoError(f"{what}: grid @{grid.name} has {grid.ndim} "
                                    f"ax{'is' if grid.ndim == 1 else 'es'}, numbered from 0; "
                                    f"there is no axis {axis}")
        return cls(split, reorder, shard_state, fuse, overlap, hierarchical, axes)

    def passes(self, target="cpu"):
        """coco-opt options of the schedule passes, in order (schedule
        "auto" prices the candidates as `target`'s pipeline lowers them)."""
        if self.auto:
            profile, ranks, caller_bytes = self.auto
            option = f"--coco-autoschedule=profile={_option_value(profile)}"
            if ranks is not None:
                option += f" ranks={int(ranks)}"
            if caller_bytes:
                option += f" caller-bytes={caller_bytes}"
            if self.shard_state:
                option += f" state={','.join(self.shard_state)}"
            if target == "gpu":
                # Norms in kernels of their own, a fused exchange whole.
                option += " fuse-reductions=false exchange-chunk-bytes=0"
            return [option]
        on_axes = "" if self.axes is None else "axes=" + ",".join(map(str, self.axes))
        passes = []
        if self.hierarchical is not None:
            passes.append("--coco-hierarchical-all-reduce=inner=" +
                          ",".join(map(str, self.hierarchical)))
        if self.split:
            passes.append("--coco-split" + (f"={on_axes}" if on_axes else ""))
        if self.reorder:
            passes.append("--coco-reorder" + (f"={on_axes}" if on_axes else ""))
        if self.shard_state:
            passes.append(f"--coco-shard-state=args={','.join(self.shard_state)}" +
                          (f" {on_axes}" if on_axes else ""))
        return passes

    def lowering(self, target):
        """coco-compile's options for this schedule and `target`."""
        if target not in ("cpu", "gpu"):
            raise CocoError(f"target must be 'cpu' or 'gpu', got {target!r}")
        options = []
        if self.fuse:
            options.append("fuse-reduce-scatter=true")
        if self.overlap:
            options.append(f"overlap-chunks={self.overlap}")
        pipeline = f"coco-lower-to-{target}" + ("{" + " ".join(options) + "}" if options else "")
        return ["--target", target, "--pipeline", pipeline,
                *[f"--pre-pass={p}" for p in self.passes(target)]]

    def transform_script(self):
        """The schedule as a transform-dialect script, equivalent to the
        passes (see Program.transform_script)."""
        axes = None if self.axes is None else ", ".join(map(str, self.axes))
        axes_attr = "" if axes is None else f"axes = array<i64: {axes}>"
        passes = []
        if self.auto:
            # The cost model's choice, as the pass makes it (coco's
            # transform ops are the hand-written schedules).
            profile, ranks, caller_bytes = self.auto
            options = [f'"profile" = "{_quoted(profile)}"']
            if ranks is not None:
                options.append(f'"ranks" = "{int(ranks)}"')
            if caller_bytes:
                options.append(f'"caller-bytes" = "{caller_bytes}"')
            if self.shard_state:
                options.append(f'"state" = "{",".join(self.shard_state)}"')
            passes.append(("coco-autoschedule", ", ".join(options)))
        if self.hierarchical is not None:
            inner = ",".join(map(str, self.hierarchical))
            passes.append(("coco-hierarchical-all-reduce", f'"inner" = "{inner}"'))
        if self.split:
            passes.append(("coco-split", "" if axes is None else
                           f'"axes" = "{axes.replace(" ", "")}"'))
        handle_use = "transform.consumed" if passes else "transform.readonly"
        lines = ["module attributes {transform.with_named_sequence} {",
                 "  transform.named_sequence @__transform_main(%root: !transform.any_op "
                 f"{{{handle_use}}}) {{"]
        module = "%root"
        for i, (name, options) in enumerate(passes):
            with_options = f" with options = {{ {options} }}" if options else ""
            lines.append(f'    %m{i} = transform.apply_registered_pass "{name}"{with_options} '
                         f"to {module} : (!transform.any_op) -> !transform.any_op")
            module = f"%m{i}"
        lines.append('    %f = transform.structured.match ops{["func.func"]} in '
                     f"{module} : (!transform.any_op) -> !transform.any_op")
        handle = "%f"
        if self.reorder:
            attrs = f" {{{axes_attr}}}" if axes_attr else ""
            lines.append(f"    %f2 = transform.coco.reorder {handle}{attrs} : "
                         "(!transform.any_op) -> !transform.any_op")
            handle = "%f2"
        if self.shard_state and not self.auto:
            names = ", ".join(f'"{n}"' for n in self.shard_state)
            attrs = f"args = [{names}]" + (f", {axes_attr}" if axes_attr else "")
            lines.append(f"    %f3 = transform.coco.shard_state {handle} {{{attrs}}} : "
                         "(!transform.any_op) -> !transform.any_op")
        lines += ["    transform.yield", "  }", "}"]
        return "\n".join(lines) + "\n"

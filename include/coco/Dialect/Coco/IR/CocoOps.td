//===- CocoOps.td - coco operations ------------------------*- tablegen -*-===//

#ifndef COCO_DIALECT_COCO_IR_COCOOPS_TD
#define COCO_DIALECT_COCO_IR_COCOOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "coco/Dialect/Coco/IR/CocoDialect.td"
include "coco/Dialect/Coco/IR/CocoAttrs.td"
include "coco/Dialect/Coco/IR/CocoTypes.td"
include "coco/Dialect/Coco/IR/CocoInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Coco_DTensor : Type<CPred<"::llvm::isa<::mlir::coco::DTensorType>($_self)">,
    "distributed tensor", "::mlir::coco::DTensorType">;
/// Scalars of the element types a dtensor may have: a scalar reaches the
/// same loops, host programs and library entries (an f8 or i16 scalar has no
/// lowering there).
def Coco_Scalar : AnyTypeOf<[F32, F64, F16, BF16, I32, I64, I8, I1],
    "scalar of a type the runtime carries (f32, f64, f16, bf16, i32, i64, "
    "i8, i1)">;
def Coco_PointwiseOperand : AnyTypeOf<[Coco_DTensor, Coco_Scalar],
    "distributed tensor or scalar of a type the runtime carries (f32, f64, "
    "f16, bf16, i32, i64, i8, i1)">;
def Coco_LocalBuffer : AnyTypeOf<[AnyRankedTensor, AnyMemRef]>;

/// Communication has an effect of its own, so that collectives and
/// point-to-point ops are neither removed nor reordered against each other:
/// every rank must issue them in the same order.
def Coco_CommunicationResource
    : Resource<"::mlir::coco::CommunicationResource">;

//===----------------------------------------------------------------------===//
// Ops whose types or attributes name grids verify those symbols.
//===----------------------------------------------------------------------===//

class Coco_GridUserOp<string mnemonic, list<Trait> traits = []>
    : Coco_Op<mnemonic, !listconcat(traits,
                 [DeclareOpInterfaceMethods<SymbolUserOpInterface>])> {
  let extraClassDefinition = [{
    ::llvm::LogicalResult
    $cppClass::verifySymbolUses(::mlir::SymbolTableCollection &symbolTable) {
      return ::mlir::coco::verifyGridUses(getOperation(), symbolTable);
    }
  }];
}

/// Ops of the global view: their operands and results are distributed
/// tensors (and scalars), coco-localize rewrites them into the rank-local
/// view. Declared once here, so passes need no list of op names.
def Coco_GlobalViewOpTrait : NativeOpTrait<"GlobalViewOp"> {
  let cppNamespace = "::mlir::coco::CocoTrait";
}

/// Ops that divide each element (div; rsqrt, lowered to 1 / sqrt(x)) or
/// take its square root (sqrt, rsqrt): work for the core's divide and
/// square-root unit, several times an add's or a multiply's time per
/// element, which the cost model sets against its loop's memory traffic
/// (an Adam update in the caches is bound by its 3 divides and 1 square
/// root).
def Coco_DividesTrait : NativeOpTrait<"Divides"> {
  let cppNamespace = "::mlir::coco::CocoTrait";
}
def Coco_SquareRootsTrait : NativeOpTrait<"SquareRoots"> {
  let cppNamespace = "::mlir::coco::CocoTrait";
}

class Coco_GlobalOp<string mnemonic, list<Trait> traits = []>
    : Coco_GridUserOp<mnemonic, !listconcat(traits, [Coco_GlobalViewOpTrait])>;

//===----------------------------------------------------------------------===//
// Process grid
//===----------------------------------------------------------------------===//

def Coco_GridOp : Coco_Op<"grid", [Symbol]> {
  let summary = "declares a process grid";
  let description = [{
    Declares an N-D (1 <= N <= 4) grid of ranks. Extents are static or `?`;
    at most one extent may be `?`, which is the world size divided by the
    product of the static extents at run time. World ranks are laid out on
    the grid in row-major order.

    ```mlir
    coco.grid @dp(shape = [?])
    coco.grid @pp_tp(shape = [2, 2])
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, DenseI64ArrayAttr:$shape);
  let assemblyFormat = [{
    $sym_name `(` `shape` `=` custom<GridShape>($shape) `)` attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getRank() { return getShape().size(); }
  }];
}

def Coco_AxisRankOp : Coco_GridUserOp<"axis_rank", [Pure]> {
  let summary = "this rank's index along a grid axis";
  let arguments = (ins FlatSymbolRefAttr:$grid, I64Attr:$axis);
  let results = (outs Index:$result);
  let assemblyFormat = "$grid `[` $axis `]` attr-dict";
}

def Coco_AxisSizeOp : Coco_GridUserOp<"axis_size", [Pure]> {
  let summary = "the number of ranks along a grid axis";
  let arguments = (ins FlatSymbolRefAttr:$grid, I64Attr:$axis);
  let results = (outs Index:$result);
  let assemblyFormat = "$grid `[` $axis `]` attr-dict";
}

//===----------------------------------------------------------------------===//
// Pointwise compute
//===----------------------------------------------------------------------===//

class Coco_BinaryOp<string mnemonic, string desc, list<Trait> traits = []>
    : Coco_GlobalOp<mnemonic, !listconcat(traits,
                       [Pure, Elementwise, InferTypeOpAdaptor])> {
  let summary = "elementwise " # desc;
  let description = [{
    Elementwise }] # desc # [{ of two distributed tensors of the same global
    shape and element type, or of a distributed tensor and a scalar (a
    hyper-parameter), which is broadcast and converted to the element type
    (a float scalar for float tensors, an integer one for integer tensors).
    Placements, axis by axis: equal placements stay; `replicated` with X
    gives X; any other combination is an error. Where several axes slice
    one dimension, every operand's slicing must be the outer levels of the
    result's (a block of the operand holds the result's block).
  }];
  let arguments = (ins Coco_PointwiseOperand:$lhs, Coco_PointwiseOperand:$rhs);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs))";
}

def Coco_AddOp : Coco_BinaryOp<"add", "addition">;
def Coco_SubOp : Coco_BinaryOp<"sub", "subtraction">;
def Coco_MulOp : Coco_BinaryOp<"mul", "multiplication">;
// Integer division is arith.divsi's: the Python front end refuses it.
def Coco_DivOp : Coco_BinaryOp<"div",
    "division (of integers: truncated toward zero, undefined for a zero " #
    "divisor or the smallest integer over -1, as arith.divsi)",
    [Coco_DividesTrait]>;
def Coco_MaxOp : Coco_BinaryOp<"max", "maximum">;
def Coco_MinOp : Coco_BinaryOp<"min", "minimum">;
def Coco_PowOp : Coco_BinaryOp<"pow", "power (floating point only)">;

class Coco_UnaryOp<string mnemonic, string desc, list<Trait> traits = []>
    : Coco_GlobalOp<mnemonic, !listconcat(traits,
                       [Pure, Elementwise, AllTypesMatch<["input", "result"]>])> {
  let summary = "elementwise " # desc;
  let description = "Elementwise " # desc # "; the placements are kept.";
  let arguments = (ins Coco_DTensor:$input);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input))";
}

def Coco_NegOp : Coco_UnaryOp<"neg", "negation">;
def Coco_AbsOp : Coco_UnaryOp<"abs", "absolute value">;
def Coco_SqrtOp : Coco_UnaryOp<"sqrt", "square root", [Coco_SquareRootsTrait]> {
  let hasVerifier = 1;
}
def Coco_RsqrtOp : Coco_UnaryOp<"rsqrt", "reciprocal square root",
                                [Coco_DividesTrait, Coco_SquareRootsTrait]> {
  let hasVerifier = 1;
}
def Coco_ExpOp : Coco_UnaryOp<"exp", "exponential"> { let hasVerifier = 1; }
def Coco_LogOp : Coco_UnaryOp<"log", "natural logarithm"> { let hasVerifier = 1; }

def Coco_CmpOp : Coco_GlobalOp<"cmp", [Pure, Elementwise, InferTypeOpAdaptor]> {
  let summary = "elementwise comparison, giving an i1 distributed tensor";
  let description = [{
    Compares like a binary pointwise op (same layout rules, scalars allowed)
    and yields `i1` elements, to be used by `coco.select`.
  }];
  let arguments = (ins Coco_CmpPredicate:$predicate,
                       Coco_PointwiseOperand:$lhs, Coco_PointwiseOperand:$rhs);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $predicate $lhs `,` $rhs attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs))
  }];
}

def Coco_SelectOp : Coco_GlobalOp<"select", [Pure, Elementwise, InferTypeOpAdaptor]> {
  let summary = "elementwise choice between two values";
  let arguments = (ins Coco_DTensor:$condition,
                       Coco_PointwiseOperand:$trueValue,
                       Coco_PointwiseOperand:$falseValue);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $condition `,` $trueValue `,` $falseValue attr-dict `:` qualified(type($condition))
    `,` qualified(type($trueValue)) `,` qualified(type($falseValue))
  }];
}

def Coco_DropoutOp : Coco_GlobalOp<"dropout",
    [Pure, Elementwise, AllTypesMatch<["input", "result"]>]> {
  let summary = "seeded, rescaled dropout";
  let description = [{
    Zeroes each element with probability `probability` and scales the kept
    ones by 1/(1 - probability). The mask comes from a counter-based hash of
    (`seed`, global element index), so every rank and every schedule draws
    the same mask for the same element, whatever the layout.
  }];
  let arguments = (ins Coco_DTensor:$input, F32:$probability, I64:$seed);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $input `,` $probability `,` $seed attr-dict `:` qualified(type($input))
  }];
  let hasVerifier = 1;
}

def Coco_CastOp : Coco_GlobalOp<"cast", [Pure, Elementwise]> {
  let summary = "converts the element type";
  let description = [{
    `coco.cast %x : !coco.dtensor<8xbf16, ...> to !coco.dtensor<8xf32, ...>`:
    each element converted; the layout stays. Between floats, rounded to
    nearest even (bf16 and f16 convert through f32, which holds both
    exactly, so there is one rounding); between integers, truncated when
    narrowing and sign-extended when widening (signless integers are
    signed), except i1, a boolean, which converts to 0 or 1; integer to
    float as signed (i1 as 0 or 1); float to integer toward zero (a value
    out of the integer's range gives an undefined result, as `arith.fptosi`).
    The same rule converts a scalar operand and, in convert-shard-to-coco,
    the operand of a reduction that accumulates in another type.
  }];
  let arguments = (ins Coco_DTensor:$input);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `to` qualified(type($result))";
  let hasVerifier = 1;
}

def Coco_ConstantOp : Coco_GlobalOp<"constant", [Pure, ConstantLike]> {
  let summary = "a replicated splat constant";
  let description = [{
    `coco.constant 0.5 : !coco.dtensor<4xf32, replicated on @dp>`: every
    element is the number, stored with the element type.
  }];
  let arguments = (ins TypedAttrInterface:$value);
  let results = (outs Coco_DTensor:$result);
  let hasCustomAssemblyFormat = 1;
  let hasVerifier = 1;
}

def Coco_ExpandOp : Coco_GlobalOp<"expand", [Pure]> {
  let summary = "broadcasts a tensor along new dimensions";
  let description = [{
    `coco.expand %b dims [2] : T to U`: dimension i of the input becomes
    dimension `dims[i]` of the result; the other result dimensions repeat it
    (e.g. a bias [H] added to activations [B, S, H]). The layout carries
    over axis by axis: replicated stays replicated, local stays local,
    `sliced<d>` becomes `sliced<dims[d]>`.
  }];
  let arguments = (ins Coco_DTensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $input `dims` $dims attr-dict `:` qualified(type($input)) `to`
    qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Coco_ExtractOp : Coco_GlobalOp<"extract", [Pure]> {
  let summary = "reads the value of a rank-0 distributed tensor";
  let description = [{
    Turns a rank-0 `replicated` or `local` distributed tensor (e.g. a norm)
    into a scalar, so it can act as a hyper-parameter.
  }];
  let arguments = (ins Coco_DTensor:$input);
  let results = (outs Coco_Scalar:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` qualified(type($result))";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Contractions and reductions
//===----------------------------------------------------------------------===//

def Coco_MatmulOp : Coco_GlobalOp<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "matrix product [..., M, K] x [K, N] -> [..., M, N]";
  let description = [{
    Placements (CoCoNet's rules, axis by axis): `sliced` on K (lhs dim
    rank-1) x `sliced<0>` gives `local` partial sums (both operands split K
    over the same axes in the same order); lhs `sliced` on a batch or M dim
    x `replicated` gives that slicing; `replicated` x `sliced<1>` gives the
    result sliced on its last dim; `replicated` x `replicated` gives
    `replicated`; `local` with `replicated` or `local` gives `local`.
  }];
  let arguments = (ins Coco_DTensor:$lhs, Coco_DTensor:$rhs);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` qualified(type($lhs)) `,` qualified(type($rhs))";
}

def Coco_ReduceOp : Coco_GlobalOp<"reduce", [Pure, InferTypeOpAdaptor]> {
  let summary = "reduces dimensions (sum, max or min)";
  let description = [{
    Reduces `dims` away. On an axis where the input is `sliced` along a
    reduced dim, each rank reduces its block and the result is `local`
    there (partial results that an `all_reduce` of the same kind completes);
    a slicing along a kept dim carries over.
  }];
  let arguments = (ins Coco_ReductionKind:$kind, Coco_DTensor:$input,
                       DenseI64ArrayAttr:$dims);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = "$kind $input `dims` $dims attr-dict `:` qualified(type($input))";
}

def Coco_NormOp : Coco_GlobalOp<"norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "L2 norm over all elements, as a rank-0 distributed tensor";
  let description = [{
    sqrt(sum(x*x)) over the whole tensor. A `sliced` input is rejected: the
    square root does not compose over slices; write
    `coco.reduce sum (x*x)` + `coco.all_reduce sum` + `coco.sqrt` instead
    (which the reorder schedule does).
  }];
  let arguments = (ins Coco_DTensor:$input);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input))";
}

def Coco_UpdateOp : Coco_GlobalOp<"update", [AllTypesMatch<["param", "value"]>]> {
  let summary = "writes a new value into a parameter when the function returns";
  let description = [{
    `param` must be an argument of the enclosing function. When the function
    returns, the caller's buffer for that argument holds `value`. Reads of
    `param` anywhere in the function see its old value, and so does
    returning it (a copy, made before the update).
  }];
  let arguments = (ins Coco_DTensor:$param, Coco_DTensor:$value);
  let assemblyFormat = "$param `,` $value attr-dict `:` qualified(type($param))";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Collectives (global view)
//===----------------------------------------------------------------------===//

/// A collective runs along the grid axes `along [A, ...]` (a set of axes
/// runs on the flattened group, outer axis first); only the placements on
/// those axes change. Without `along`, the axes follow from the operand:
/// its local axes (all_reduce, reduce_scatter, reduce_to_root, broadcast),
/// the axes slicing its one sliced dimension (all_gather, all_to_all), or
/// axis 0 of a one-axis grid (slice, broadcast of a replicated value).
class Coco_CollectiveOp<string mnemonic, list<Trait> traits = []>
    : Coco_GlobalOp<mnemonic, !listconcat(traits,
                       [Pure, InferTypeOpAdaptor,
                        DeclareOpInterfaceMethods<Coco_CollectiveOpInterface,
                            ["getCommAxes", "getCommGrid"]>])>;

def Coco_AllReduceOp : Coco_CollectiveOp<"all_reduce"> {
  let summary = "local -> replicated: combines every rank's value";
  let arguments = (ins Coco_ReductionKind:$kind, Coco_DTensor:$input,
                       OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $kind $input (`along` $axes^)? attr-dict `:` qualified(type($input))
  }];
}

def Coco_ReduceScatterOp : Coco_CollectiveOp<"reduce_scatter"> {
  let summary = "local -> sliced<dim>: combines, each rank keeps its slice";
  let description = [{
    Each axis of `along` becomes `sliced<dim>`; several axes split the
    dimension in their order (the first the outermost). Blocks need not be
    equal (see `!coco.dtensor`).
  }];
  let arguments = (ins Coco_ReductionKind:$kind, Coco_DTensor:$input,
                       I64Attr:$dim, OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $kind $input `dim` $dim (`along` $axes^)? attr-dict `:` qualified(type($input))
  }];
}

def Coco_AllGatherOp : Coco_CollectiveOp<"all_gather"> {
  let hasFolder = 1;
  let summary = "sliced -> replicated: concatenates every rank's slice";
  let description = [{
    The axes of `along` must slice one dimension and be its innermost
    slicing levels (gather the inner blocks before the outer ones).
  }];
  let arguments = (ins Coco_DTensor:$input, OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $input (`along` $axes^)? attr-dict `:` qualified(type($input))
  }];
}

def Coco_BroadcastOp : Coco_CollectiveOp<"broadcast"> {
  let hasFolder = 1;
  let summary = "local or replicated -> replicated: the root rank's value";
  let description = [{
    `root` is a rank of the group `along` runs on (row-major over its axes).
  }];
  let arguments = (ins Coco_DTensor:$input, I64Attr:$root,
                       OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $input `root` $root (`along` $axes^)? attr-dict `:` qualified(type($input))
  }];
}

def Coco_ReduceToRootOp : Coco_CollectiveOp<"reduce_to_root"> {
  let hasFolder = 1;
  let summary = "local -> local: the root rank receives the combination";
  let description = [{
    On the root rank of the axis the result is the combination of every
    rank's input; on the other ranks it is their own input unchanged. The
    result is therefore `local`.
  }];
  let arguments = (ins Coco_ReductionKind:$kind, Coco_DTensor:$input,
                       I64Attr:$root, OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $kind $input `root` $root (`along` $axes^)? attr-dict `:` qualified(type($input))
  }];
}

def Coco_AllToAllOp : Coco_CollectiveOp<"all_to_all"> {
  let summary = "sliced<s> -> sliced<dim>: re-slices along another dim";
  let arguments = (ins Coco_DTensor:$input, I64Attr:$dim,
                       OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $input `dim` $dim (`along` $axes^)? attr-dict `:` qualified(type($input))
  }];
}

def Coco_SliceOp : Coco_CollectiveOp<"slice"> {
  let hasFolder = 1;
  let summary = "replicated -> sliced<dim>: keeps this rank's slice, no traffic";
  let arguments = (ins Coco_DTensor:$input, I64Attr:$dim,
                       OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    $input `dim` $dim (`along` $axes^)? attr-dict `:` qualified(type($input))
  }];
  let extraClassDeclaration = [{
    bool movesData() { return false; }
  }];
}

def Coco_SendOp : Coco_GlobalOp<"send", [
    MemoryEffects<[MemWrite<Coco_CommunicationResource>]>,
    DeclareOpInterfaceMethods<Coco_CollectiveOpInterface,
        ["getCommAxes", "getCommGrid", "agreesOnGroup"]>]> {
  let summary = "sends this rank's value to a peer along a grid axis";
  let description = [{
    Point to point: `peer` is an index along the grid axis `along` (default:
    the one axis the value is not replicated on; axis 0 on a one-axis grid).
    Typically guarded by `scf.if` on `coco.axis_rank`.

    The other coordinates stay: along axis 0 (pipeline stages), rank (s, t)
    sends to (s', t), so a value replicated or sliced over axis 1 (tensor
    parallelism) arrives replicated or sliced over axis 1. This is the
    channel coco-pipeline-send rewrites.
  }];
  let arguments = (ins Coco_DTensor:$input, Index:$peer,
                       OptionalAttr<I64Attr>:$along);
  let assemblyFormat = [{
    $input `to` $peer (`along` $along^)? attr-dict `:` qualified(type($input))
  }];
  let extraClassDeclaration = [{
    /// The grid axis `peer` indexes.
    int64_t getPeerAxis() {
      return getAlong() ? *getAlong()
                        : ::mlir::coco::defaultPeerAxis(getInput().getType());
    }
  }];
}

def Coco_RecvOp : Coco_GlobalOp<"recv", [
    MemoryEffects<[MemWrite<Coco_CommunicationResource>]>,
    DeclareOpInterfaceMethods<Coco_CollectiveOpInterface,
        ["getCommAxes", "getCommGrid", "agreesOnGroup"]>]> {
  let summary = "receives a value from a peer along a grid axis";
  let description = [{
    `peer` is an index along the grid axis `along` (default as for
    `coco.send`). The result keeps the sender's placements on the other
    axes (see `coco.send`). On the peer axis it cannot be `sliced` (the
    other blocks are not here). A received value is usually `local` there;
    `replicated` is accepted for the pipeline idiom, where each stage runs
    its own branch (`scf.if` on `coco.axis_rank`) and a placement along the
    stage axis only describes the ranks running it.
  }];
  let arguments = (ins Index:$peer, OptionalAttr<I64Attr>:$along);
  let results = (outs Coco_DTensor:$result);
  let assemblyFormat = [{
    `from` $peer (`along` $along^)? attr-dict `:` qualified(type($result))
  }];
  let extraClassDeclaration = [{
    /// The grid axis `peer` indexes.
    int64_t getPeerAxis() {
      return getAlong() ? *getAlong()
                        : ::mlir::coco::defaultPeerAxis(getResult().getType());
    }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Rank-local communication (after coco-localize)
//===----------------------------------------------------------------------===//

class Coco_CommOp<string mnemonic, list<Trait> traits = [],
                  list<string> collectiveMethods = []>
    : Coco_GridUserOp<"comm." # mnemonic, !listconcat(traits, [
        DestinationStyleOpInterface,
        MemoryEffects<[MemWrite<Coco_CommunicationResource>]>,
        DeclareOpInterfaceMethods<Coco_CollectiveOpInterface,
                                  collectiveMethods>])> {
  let description = [{
    Rank-local form of the collective: `input` and `init` are this rank's
    buffers (tensors before bufferization, memrefs after); the grid axes are
    explicit (`on @g[0, 1]`: the flattened group of axes 0 and 1, axis 0
    outer). With tensors, the result is the updated `init`. Where a
    dimension is split into blocks (reduce_scatter, all_gather, all_to_all),
    the blocks follow `!coco.dtensor`'s rule over the group's axes, so the
    ranks' blocks may differ in size.
  }];
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
  let hasVerifier = 1;
}

def Coco_CommAllReduceOp : Coco_CommOp<"all_reduce"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let summary = "rank-local all_reduce";
  let arguments = (ins Coco_ReductionKind:$kind,
      Arg<Coco_LocalBuffer, "", [MemRead]>:$input,
      Arg<Coco_LocalBuffer, "", [MemWrite]>:$init,
      FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes);
  let assemblyFormat = [{
    $kind $input `into` $init `on` custom<GridAxes>($grid, $axes) attr-dict `:`
    qualified(type($input)) `,` qualified(type($init)) (`->` qualified(type($result))^)?
  }];
}

def Coco_CommReduceScatterOp : Coco_CommOp<"reduce_scatter"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let summary = "rank-local reduce_scatter";
  let arguments = (ins Coco_ReductionKind:$kind,
      Arg<Coco_LocalBuffer, "", [MemRead]>:$input,
      Arg<Coco_LocalBuffer, "", [MemWrite]>:$init, I64Attr:$dim,
      FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes);
  let assemblyFormat = [{
    $kind $input `into` $init `dim` $dim `on` custom<GridAxes>($grid, $axes) attr-dict
    `:` qualified(type($input)) `,` qualified(type($init)) (`->` qualified(type($result))^)?
  }];
}

def Coco_CommAllGatherOp : Coco_CommOp<"all_gather"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let summary = "rank-local all_gather";
  let arguments = (ins Arg<Coco_LocalBuffer, "", [MemRead]>:$input,
      Arg<Coco_LocalBuffer, "", [MemWrite]>:$init, I64Attr:$dim,
      FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes);
  let assemblyFormat = [{
    $input `into` $init `dim` $dim `on` custom<GridAxes>($grid, $axes) attr-dict
    `:` qualified(type($input)) `,` qualified(type($init)) (`->` qualified(type($result))^)?
  }];
}

def Coco_CommBroadcastOp : Coco_CommOp<"broadcast"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let summary = "rank-local broadcast";
  let arguments = (ins Arg<Coco_LocalBuffer, "", [MemRead]>:$input,
      Arg<Coco_LocalBuffer, "", [MemWrite]>:$init, I64Attr:$root,
      FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes);
  let assemblyFormat = [{
    $input `into` $init `root` $root `on` custom<GridAxes>($grid, $axes) attr-dict
    `:` qualified(type($input)) `,` qualified(type($init)) (`->` qualified(type($result))^)?
  }];
}

def Coco_CommReduceOp : Coco_CommOp<"reduce"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let summary = "rank-local reduce to a root";
  let arguments = (ins Coco_ReductionKind:$kind,
      Arg<Coco_LocalBuffer, "", [MemRead]>:$input,
      Arg<Coco_LocalBuffer, "", [MemWrite]>:$init, I64Attr:$root,
      FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes);
  let assemblyFormat = [{
    $kind $input `into` $init `root` $root `on` custom<GridAxes>($grid, $axes) attr-dict
    `:` qualified(type($input)) `,` qualified(type($init)) (`->` qualified(type($result))^)?
  }];
}

def Coco_CommAllToAllOp : Coco_CommOp<"all_to_all"> {
  let hasFolder = 1;
  let hasCanonicalizer = 1;
  let summary = "rank-local all_to_all";
  let description = [{
    Rank-local form of the collective: `input` and `init` are this rank's
    buffers (tensors before bufferization, memrefs after); the grid axes are
    explicit (`on @g[0, 1]`: the flattened group of axes 0 and 1, axis 0
    outer). With tensors, the result is the updated `init`. Blocks follow
    `!coco.dtensor`'s rule over the group's axes, so the ranks' blocks may
    differ in size.

    Sends block j of `input`'s `split` dimension to rank j of the group and
    receives rank j's block (of this rank's index) into block j of `init`'s
    `concat` dimension.

    Where `split` and `concat` are one dimension (a reduce-scatter's
    exchange), `init`'s dimension is one slot per rank, each as large as the
    largest block (ceil(n / R) of n elements): slot j receives rank j's block
    of this rank's index at its front, the rest of the slot left as it was.
    With equal blocks the slots are the blocks, and `init` has `input`'s
    shape.

    With `skip_self`, a rank sends nothing to itself: its own block of `init`
    is left as it was (it reads its own block where it lies in `input`
    instead). coco-fuse-reduce-scatter uses it so that the exchange copies
    only the bytes that cross ranks. Requires `input` and `init` to be
    different buffers.

    `window %s` (split and concat one dimension) exchanges a window of each
    block: `init`'s dimension is one slot of w rows per rank (w = its size
    / R, any w >= 1), and slot j receives rows [s, s + w) of rank j's block
    of this rank's index, cut to the block's end (none where the block has
    s rows or fewer), at its front. Rank j is sent the same rows of its
    block. Every rank passes the same `s`. coco-chunk-exchange walks uneven
    blocks this way, one window per chunk: the rows of a chunk then differ
    between ranks by at most the blocks' difference, and the trip count is
    the same on every rank.
  }];
  let arguments = (ins Arg<Coco_LocalBuffer, "", [MemRead]>:$input,
      Arg<Coco_LocalBuffer, "", [MemRead, MemWrite]>:$init,
      Optional<Index>:$window_start, I64Attr:$split_dim, I64Attr:$concat_dim,
      FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes, UnitAttr:$skip_self);
  let assemblyFormat = [{
    $input `into` $init `split` $split_dim `concat` $concat_dim
    (`skip_self` $skip_self^)? (`window` $window_start^)?
    `on` custom<GridAxes>($grid, $axes) attr-dict
    `:` qualified(type($input)) `,` qualified(type($init)) (`->` qualified(type($result))^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
    /// Whether part of `init` keeps what it held: its own block with
    /// skip_self, a slot's rows past the block received (windows, and
    /// slots of uneven blocks: where split and concat are one dimension and
    /// init's shape is not the input's, or not known to be). A resharding
    /// all_to_all (split != concat) writes all of init.
    bool leavesPartOfInit() {
      if (getSkipSelf() || getWindowStart())
        return true;
      auto initType = ::llvm::cast<::mlir::ShapedType>(getInit().getType());
      return getSplitDim() == getConcatDim() &&
             (getInput().getType() != getInit().getType() ||
              !initType.hasStaticShape());
    }
  }];
}

def Coco_CommRecvOp : Coco_CommOp<"recv", [], ["agreesOnGroup"]> {
  let summary = "rank-local receive from a peer";
  let arguments = (ins Index:$peer,
      Arg<Coco_LocalBuffer, "", [MemWrite]>:$init,
      FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes);
  let assemblyFormat = [{
    `from` $peer `into` $init `on` custom<GridAxes>($grid, $axes) attr-dict
    `:` qualified(type($init)) (`->` qualified(type($result))^)?
  }];
}

def Coco_CommSendOp : Coco_GridUserOp<"comm.send", [
    MemoryEffects<[MemWrite<Coco_CommunicationResource>]>,
    DeclareOpInterfaceMethods<Coco_CollectiveOpInterface, ["agreesOnGroup"]>]> {
  let summary = "rank-local send to a peer";
  let arguments = (ins Arg<Coco_LocalBuffer, "", [MemRead]>:$input,
      Index:$peer, FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes);
  let assemblyFormat = [{
    $input `to` $peer `on` custom<GridAxes>($grid, $axes) attr-dict `:` qualified(type($input))
  }];
  let hasVerifier = 1;
}

def Coco_LocalBlockOp : Coco_GridUserOp<"local_block", [Pure]> {
  let summary = "this rank's block of a dimension split over grid axes";
  let description = [{
    `%offset, %size = coco.local_block %extent on @g[1, 0]`: a dimension of
    `extent` elements split over the grid axes (the first the outermost,
    each splitting the blocks of the previous one) gives this rank the block
    [offset, offset + size). Each split gives n / R elements to each of R
    ranks and one more to the first n % R (`!coco.dtensor`'s rule). Made by
    coco-localize where a block's offset or size depends on the rank; folds
    to constants where they do not.
  }];
  let arguments = (ins Index:$extent, FlatSymbolRefAttr:$grid,
                       DenseI64ArrayAttr:$axes);
  let results = (outs Index:$offset, Index:$size);
  let assemblyFormat = [{
    $extent `on` custom<GridAxes>($grid, $axes) attr-dict
  }];
  let hasCanonicalizeMethod = 1;
}

//===----------------------------------------------------------------------===//
// Non-blocking communication (rank-local, on buffers; made by coco-overlap)
//===----------------------------------------------------------------------===//

def Coco_CommIAllReduceOp : Coco_GridUserOp<"comm.iall_reduce", [
    MemoryEffects<[MemWrite<Coco_CommunicationResource>]>,
    DeclareOpInterfaceMethods<Coco_CollectiveOpInterface>]> {
  let summary = "starts an all_reduce and returns without waiting";
  let description = [{
    Starts combining `input` into `init` over the grid axis (MPI_Iallreduce)
    and returns a request. Until the matching `coco.comm.wait`, `input` must
    not be written and `init` not read: the wait names both buffers, so they
    stay alive and ordered until then.
  }];
  let arguments = (ins Coco_ReductionKind:$kind,
      Arg<AnyMemRef, "", [MemRead]>:$input,
      Arg<AnyMemRef, "", [MemWrite]>:$init,
      FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes);
  let results = (outs I64:$request);
  let assemblyFormat = [{
    $kind $input `into` $init `on` custom<GridAxes>($grid, $axes) attr-dict `:`
    type($input) `,` type($init)
  }];
  let hasVerifier = 1;
}

def Coco_CommIReduceScatterOp : Coco_GridUserOp<"comm.ireduce_scatter", [
    MemoryEffects<[MemWrite<Coco_CommunicationResource>]>,
    DeclareOpInterfaceMethods<Coco_CollectiveOpInterface>]> {
  let summary = "starts a reduce_scatter and returns without waiting";
  let description = [{
    Starts combining `input` over the grid axis and scattering it along
    `dim` into `init` (point-to-point messages to and from every peer of
    the group, summed in the ring reduce-scatter's order when waited for)
    and returns a request, under the same rules as `coco.comm.iall_reduce`.
  }];
  let arguments = (ins Coco_ReductionKind:$kind,
      Arg<AnyMemRef, "", [MemRead]>:$input,
      Arg<AnyMemRef, "", [MemWrite]>:$init, I64Attr:$dim,
      FlatSymbolRefAttr:$grid, DenseI64ArrayAttr:$axes);
  let results = (outs I64:$request);
  let assemblyFormat = [{
    $kind $input `into` $init `dim` $dim `on` custom<GridAxes>($grid, $axes) attr-dict
    `:` type($input) `,` type($init)
  }];
  let hasVerifier = 1;
}

def Coco_CommWaitOp : Coco_Op<"comm.wait", [
    MemoryEffects<[MemWrite<Coco_CommunicationResource>]>]> {
  let summary = "waits for a non-blocking collective to finish";
  let arguments = (ins I64:$request, Arg<AnyMemRef, "", [MemRead]>:$input,
      Arg<AnyMemRef, "", [MemRead, MemWrite]>:$init);
  let assemblyFormat = [{
    $request `,` $input `,` $init attr-dict `:` type($input) `,` type($init)
  }];
}

#endif // COCO_DIALECT_COCO_IR_COCOOPS_TD

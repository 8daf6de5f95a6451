// Programs the pipelines cannot lower fail in coco-opt, at the user's line.
// They came out of coco-lower-to-cpu/-gpu with exit 0 and non-LLVM ops
// left, for coco-translate to refuse at IR the user never wrote (in
// coco-compile's temporary file; helper-86's crash hunt).
// RUN: coco-opt %s --split-input-file -verify-diagnostics --coco-lower-to-cpu -o /dev/null
// RUN: %if gpu-toolchain %{ coco-opt %s --split-input-file -verify-diagnostics --coco-lower-to-gpu -o /dev/null %}

// An argument of a type without an LLVM lowering rule (coco ops take no f8
// scalar, the verifier says so; arith ops do).
coco.grid @dp(shape = [2])
// expected-error @+1 {{'builtin.unrealized_conversion_cast' op is left after the lowering to LLVM (types 'i8' -> 'f8E4M3FN'): the program has an op or a type that this pipeline cannot lower}}
func.func @step(%w: !coco.dtensor<16xf32, replicated on @dp> {coco.name = "w"}, %lr8: f8E4M3FN {coco.name = "lr"}) {
  %lr = arith.extf %lr8 : f8E4M3FN to f32
  %d = coco.mul %w, %lr : !coco.dtensor<16xf32, replicated on @dp>, f32
  coco.update %w, %d : !coco.dtensor<16xf32, replicated on @dp>
  return
}

// -----

// An argument type without an LLVM type.
coco.grid @g(shape = [2])
// expected-error @+1 {{'func.func' op is left after the lowering to LLVM (signature '(memref<8xf32>, tuple<i32>) -> ()'): the program has an op or a type that this pipeline cannot lower}}
func.func @f(%w: !coco.dtensor<8xf32, replicated on @g> {coco.name = "w"}, %t: tuple<i32> {coco.name = "t"}) {
  return
}

// -----

// A transform schedule in the program's file: the lowering does not apply
// it (and coco-translate could not translate it).
coco.grid @dp(shape = [2])
func.func @step(%w: !coco.dtensor<8xf32, replicated on @dp> {coco.name = "w"},
                %g: !coco.dtensor<8xf32, local on @dp> {coco.name = "g"}) {
  %s = coco.all_reduce sum %g : !coco.dtensor<8xf32, local on @dp>
  %wn = coco.sub %w, %s : !coco.dtensor<8xf32, replicated on @dp>, !coco.dtensor<8xf32, replicated on @dp>
  coco.update %w, %wn : !coco.dtensor<8xf32, replicated on @dp>
  return
}
module attributes {transform.with_named_sequence} {
  // expected-error @+1 {{the module holds a transform schedule, which the lowering neither applies nor can lower: keep it in a file of its own and apply it first (coco-opt --transform-preload-library=transform-library-paths=FILE --transform-interpreter; coco-compile takes the same as --pre-pass options)}}
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    transform.yield
  }
}

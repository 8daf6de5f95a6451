// RUN: coco-translate --coco-to-cpp-main %s --split-input-file -verify-diagnostics | FileCheck %s

// The generated host program declares the entry's C interface (results
// through a pointer in front, distributed tensors as descriptors of the
// per-rank buffer, scalars by value), builds each argument with its layout,
// and writes back updated parameters and results.

coco.grid @g(shape = [2, ?])

// CHECK: #include "coco/Runtime/CocoHost.h"
// CHECK: struct EntryResults0 {
// CHECK-NEXT:   MemRef<float, 2> r0;
// CHECK-NEXT:   MemRef<uint16_t, 0> r1;
// CHECK-NEXT: };
// CHECK: extern "C" void _mlir_ciface_step(EntryResults0 *, MemRef<float, 2> *, MemRef<int32_t, 1> *, float, int64_t);
// CHECK: Session session(argc, argv);
// Placements per grid axis (-1 replicated, -2 local, d sliced<d>), the
// slicing axes outer to inner, the grid:
// CHECK: LocalTensor &e0_a0 = session.input(TensorInfo{"w", ElementKind::F32, {8, 4}, {-1, 1}, {1}, {2, -1}, InitKind::Ones});
// CHECK: LocalTensor &e0_a1 = session.input(TensorInfo{"arg1", ElementKind::I32, {6}, {-2, -1}, {}, {2, -1}, InitKind::Uniform});
// CHECK: float e0_s2 = static_cast<float>(session.scalar("lr", true, 0.5, 32));
// Integer scalars exactly, through no double:
// CHECK: int64_t e0_s3 = static_cast<int64_t>(session.integerScalar("arg3", false, 0, 64));
// CHECK: LocalTensor &e0_r0 = session.result(TensorInfo{"out", ElementKind::F32, {8, 4}, {-1, -1}, {}, {2, -1}, InitKind::Zeros});
// CHECK: LocalTensor &e0_r1 = session.result(TensorInfo{"result1", ElementKind::F16, {}, {-1, -1},
// CHECK: session.addEntry("step", [&](bool last) {
// CHECK-NEXT: _mlir_ciface_step(&e0_returned, &e0_d0, &e0_d1, e0_s2, e0_s3);
// CHECK-NEXT: if (last) session.takeResult(e0_r0, e0_returned.r0);
// CHECK-NEXT: if (last) session.takeResult(e0_r1, e0_returned.r1);
// CHECK-NEXT: session.freeReturned({e0_returned.r0.allocated, e0_returned.r1.allocated});
// CHECK: }, [&] {
// CHECK-NEXT: session.output(e0_a0, "");
// CHECK-NEXT: session.output(e0_r0, "");
// CHECK-NEXT: session.output(e0_r1, "");
// CHECK: session.runAll();
func.func @step(%w: !coco.dtensor<8x4xf32, sliced<1> on @g[1]> {coco.name = "w", coco.init = "Ones"},
                %x: !coco.dtensor<6xi32, local on @g>,
                %lr: f32 {coco.name = "lr", coco.value = 0.5 : f32},
                %n: i64)
    -> (!coco.dtensor<8x4xf32, replicated on @g[1]> {coco.name = "out"}, !coco.dtensor<f16, replicated on @g>) {
  %0 = coco.all_gather %w : !coco.dtensor<8x4xf32, sliced<1> on @g[1]>
  coco.update %w, %w : !coco.dtensor<8x4xf32, sliced<1> on @g[1]>
  %h = coco.constant 1.0 : !coco.dtensor<f16, replicated on @g>
  return %0, %h : !coco.dtensor<8x4xf32, replicated on @g[1]>, !coco.dtensor<f16, replicated on @g>
}

// -----

// Two axes slicing one dim, axis 0 within the blocks of axis 1: the slice
// order lists axis 1 first.
coco.grid @g(shape = [2, 2])
// CHECK-LABEL: // @nested
// CHECK: TensorInfo{"m", ElementKind::F32, {16, 2}, {0, 0}, {1, 0}, {2, 2}, InitKind::Uniform}
// CHECK: TensorInfo{"g", ElementKind::F32, {16, 2}, {-2, 1}, {1}, {2, 2}, InitKind::Uniform}
func.func @nested(%m: !coco.dtensor<16x2xf32, [sliced<0> within 1, sliced<0>] on @g> {coco.name = "m"},
                  %g: !coco.dtensor<16x2xf32, [local, sliced<1>] on @g> {coco.name = "g"}) {
  return
}

// -----

func.func @a() { return }
// expected-error @+1 {{several public functions could be the entry (@a, @b): choose with --coco-entry=NAME[,NAME...] (coco-compile: --entry=NAME)}}
func.func @b() { return }

// -----

// expected-error @+1 {{argument 0 of type 'memref<4xf32>' cannot be passed from a host program}}
func.func @f(%m: memref<4xf32>) { return }

// -----

// A 16-bit float scalar has no slot in the C ABI: the message says which
// scalar types do.
// expected-error @+1 {{argument 0 of type 'bf16' cannot be passed from a host program: scalar arguments are f32, f64, i32, i64 or index (take an f32 and convert it in the program)}}
func.func @f(%lr: bf16 {coco.name = "lr"}) { return }

// -----

coco.grid @g(shape = [?])
// expected-error @+1 {{coco.init of argument 0 must be one of "Uniform", "Positive", "Zeros", "Ones"}}
func.func @f(%x: !coco.dtensor<4xf32, local on @g> {coco.init = "Random"}) { return }

// -----

// A dynamic extent leaves each rank's block to the distribution (upstream's
// shard-partition types the blocks at sharded_dims_offsets dynamically):
// the host cuts 7 rows as numpy.array_split does, and checks a result's.
coco.grid @g(shape = [?])
// CHECK-LABEL: dynamic_block
// CHECK: session.input(TensorInfo{"x", ElementKind::F32, {7, 2}, {0}, {0}, {-1},
// CHECK: session.result(TensorInfo{"y", ElementKind::F32, {7, 2}, {0}, {0}, {-1},
func.func @dynamic_block(%x: tensor<?x2xf32> {coco.distribution = !coco.dtensor<7x2xf32, sliced<0> on @g>, coco.name = "x"})
    -> (tensor<?x2xf32> {coco.distribution = !coco.dtensor<7x2xf32, sliced<0> on @g>, coco.name = "y"}) {
  return %x : tensor<?x2xf32>
}

// -----

coco.grid @g(shape = [2])
// expected-error @+1 {{coco.distribution of argument 0 slices dimension 0 over grid axis 1, which @g does not have}}
func.func @axis_beyond_grid(%x: tensor<?x2xf32> {coco.distribution = !coco.dtensor<8x2xf32, [replicated, sliced<0>] on @g>}) {
  return
}

// -----

// A recorded distribution (coco-shard-placements) must describe blocks of
// exactly the argument's static type: the host cuts them by it.
coco.grid @g(shape = [2, 2])
// expected-error @+1 {{coco.distribution of argument 0 is '!coco.dtensor<8x4xf32, [sliced<0>, sliced<0>] on @g>', whose blocks of dimension 0 are not the 4 elements of its type 'tensor<4x4xf32>'}}
func.func @wrong_block(%x: tensor<4x4xf32> {coco.distribution = !coco.dtensor<8x4xf32, [sliced<0>, sliced<0>] on @g>}) {
  return
}

// -----

coco.grid @g(shape = [2, ?])
// expected-error @+1 {{coco.distribution of result 0 slices dimension 1 over grid axis 1, whose extent is not static: the block of its static type 'tensor<4x2xf32>' cannot be checked}}
func.func @dynamic_axis() -> (tensor<4x2xf32> {coco.distribution = !coco.dtensor<4x4xf32, sliced<1> on @g[1]>}) {
  %0 = tensor.empty() : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

coco.grid @g(shape = [2])
// expected-error @+1 {{coco.distribution of argument 0 must be a !coco.dtensor of the same rank and element type as its 'tensor<4xf32>'}}
func.func @wrong_rank(%x: tensor<4xf32> {coco.distribution = !coco.dtensor<4x1xf32, replicated on @g>}) {
  return
}

// -----

// Integer defaults are read as their attribute's type says: `true` is 1, a
// ui64 is unsigned, and every value survives exactly (2^53 + 1 is no
// double).
coco.grid @g(shape = [2])
// CHECK-LABEL: // @defaults
// CHECK: int32_t e0_s0 = static_cast<int32_t>(session.integerScalar("flag", true, 1LL, 32));
// CHECK: int64_t e0_s1 = static_cast<int64_t>(session.integerScalar("seed", true, 9007199254740993LL, 64));
// CHECK: int64_t e0_s2 = static_cast<int64_t>(session.integerScalar("big", true, 9223372036854775807LL, 64));
// CHECK: int64_t e0_s3 = static_cast<int64_t>(session.integerScalar("low", true, (-9223372036854775807LL - 1), 64));
func.func @defaults(%a: i32 {coco.name = "flag", coco.value = true},
                    %b: i64 {coco.name = "seed", coco.value = 9007199254740993 : i64},
                    %c: i64 {coco.name = "big", coco.value = 9223372036854775807 : ui64},
                    %d: i64 {coco.name = "low", coco.value = -9223372036854775808 : i64}) {
  return
}

// -----

// expected-error @+1 {{coco.value of argument 0 does not fit in i64: 18446744073709551615 : ui64}}
func.func @unsigned_too_large(%a: i64 {coco.value = 18446744073709551615 : ui64}) {
  return
}

// -----

// expected-error @+1 {{coco.value of argument 0 does not fit in i64: 100000000000000000000000 : i128}}
func.func @wide(%a: i64 {coco.value = 100000000000000000000000 : i128}) {
  return
}

// -----

// expected-error @+1 {{coco.value of argument 0 does not fit in i32: 4294967296}}
func.func @narrow(%a: i32 {coco.value = 4294967296 : i64}) {
  return
}

// -----

// Names become files under --in/--out and --set keys.
coco.grid @g(shape = [2])
// expected-error @+1 {{entry @escape: coco.name of argument 0 ('../esc') must name a file in --in/--out: not empty, '.' or '..', and without '/'}}
func.func @escape(%x: !coco.dtensor<4xf32, replicated on @g> {coco.name = "../esc"}) {
  return
}

// -----

// expected-error @+1 {{entry @unsettable: coco.name of argument 0 ('a=b') is a scalar's --set key: no '='}}
func.func @unsettable(%a: f32 {coco.name = "a=b"}) {
  return
}

// -----

// Two arguments of one name: a call could never pass both (it took one for
// both, or refused the other as given twice), and they shared one file.
coco.grid @g(shape = [2])
// expected-error @+1 {{entry @twice: coco.name 'w' names both argument 0 and argument 1: each argument and result needs a name of its own (its file in --in/--out, its key in a call)}}
func.func @twice(%w: !coco.dtensor<4xf32, replicated on @g> {coco.name = "w"},
                 %g: !coco.dtensor<4xf32, local on @g> {coco.name = "w"}) {
  return
}

// -----

// A result named as an argument (local_shape gave the argument's block).
coco.grid @g(shape = [2])
// expected-error @+1 {{entry @shadow: coco.name 'g' names both argument 0 and result 0}}
func.func @shadow(%g: !coco.dtensor<4xf32, local on @g> {coco.name = "g"})
    -> (!coco.dtensor<4xf32, local on @g> {coco.name = "g"}) {
  return %g : !coco.dtensor<4xf32, local on @g>
}

// -----

// A default name taken by another argument: arg1 is argument 1's default.
// expected-error @+1 {{entry @default_taken: coco.name 'arg1' names both argument 0 and argument 1}}
func.func @default_taken(%a: f32 {coco.name = "arg1"}, %b: f32) {
  return
}

// RUN: coco-translate --coco-to-cpp-library %s --split-input-file -verify-diagnostics | FileCheck %s

// The in-process interface of a library (coco/Runtime/CocoLibrary.h): every
// public entry's C interface, a caller that passes the caller's descriptors
// and scalars to it and hands the results back, and its description
// (names escaped; placements per grid axis: -1 replicated, -2 local, d
// sliced<d>; the slicing axes outer to inner; the grid; updated tensors;
// scalar dtypes and defaults, integers exact, infinities spelled out).

coco.grid @g(shape = [2, ?])

// CHECK: #include "coco/Runtime/CocoLibrary.h"
// CHECK: struct EntryResults0 {
// CHECK-NEXT:   MemRef<float, 0> r0;
// CHECK-NEXT: };
// CHECK: extern "C" void _mlir_ciface_step(EntryResults0 *, MemRef<float, 2> *, MemRef<int32_t, 1> *, float, int64_t);
// CHECK: extern "C" void _mlir_ciface_probe();
// CHECK: void call0(void *const *args, CocoReturned *results) {
// CHECK-NEXT:   EntryResults0 returned;
// CHECK-NEXT:   _mlir_ciface_step(&returned, static_cast<MemRef<float, 2> *>(args[0]), static_cast<MemRef<int32_t, 1> *>(args[1]), *static_cast<const float *>(args[2]), *static_cast<const int64_t *>(args[3]));
// CHECK-NEXT:   returnTo(results[0], returned.r0);
// CHECK-NEXT: }
// CHECK: const int64_t e0_a0_shape[] = {8, 4};
// CHECK-NEXT: const int64_t e0_a0_grid[] = {2, -1};
// CHECK-NEXT: const int64_t e0_a0_placements[] = {-1, 1};
// CHECK-NEXT: const int64_t e0_a0_slices[] = {1};
// CHECK: const int64_t e0_a1_placements[] = {-2, -1};
// CHECK: const CocoArgSpec e0_args[] = {
// CHECK-NEXT:     {"w\"q\\", 1, 1, {"w\"q\\", COCO_DTYPE_F32, 2, e0_a0_shape, 2, e0_a0_grid, e0_a0_placements, 1, e0_a0_slices}, 0, 0, 0.0, 0},
// CHECK-NEXT:     {"arg1", 1, 0, {"arg1", COCO_DTYPE_I32, 1, e0_a1_shape, 2, e0_a1_grid, e0_a1_placements, 0, nullptr}, 0, 0, 0.0, 0},
// CHECK-NEXT:     {"clip", 0, 0, {}, COCO_DTYPE_F32, 1, __builtin_inf(), 0},
// CHECK-NEXT:     {"seed", 0, 0, {}, COCO_DTYPE_I64, 1, 9.2233720368547758e+18, 9223372036854775807LL},
// CHECK-NEXT: };
// CHECK: const CocoTensorSpec e0_results[] = {
// CHECK-NEXT:     {"total", COCO_DTYPE_F32, 0, nullptr, 2, e0_r0_grid, e0_r0_placements, 0, nullptr},
// CHECK-NEXT: };
// The digest of the scheduled program (its text without locations), the
// same for every entry of the library: ranks whose libraries differ refuse
// the call.
// CHECK: const CocoEntrySpec e0_entry = {"step", 4, e0_args, 1, e0_results, call0, 0x[[DIGEST:[0-9a-f]{16}]]ULL};
// An entry without arguments or results: unnamed parameters.
// CHECK: void call1(void *const *, CocoReturned *) {
// CHECK-NEXT:   _mlir_ciface_probe();
// CHECK: const CocoEntrySpec e1_entry = {"probe", 0, nullptr, 0, nullptr, call1, 0x[[DIGEST]]ULL};
// CHECK: const CocoEntrySpec entries[] = {e0_entry, e1_entry};
// CHECK-NEXT: const CocoLibrarySpec library = {COCO_LIBRARY_ABI_VERSION, 2, entries};
// CHECK: extern "C" __attribute__((visibility("default"))) const CocoLibrarySpec *
// CHECK-NEXT: coco_library(void) {

func.func @step(%w: !coco.dtensor<8x4xf32, sliced<1> on @g[1]> {coco.name = "w\"q\\"},
                %i: !coco.dtensor<6xi32, local on @g[0]>,
                %clip: f32 {coco.name = "clip", coco.value = 0x7F800000 : f32},
                %seed: i64 {coco.name = "seed", coco.value = 9223372036854775807 : i64})
    -> (!coco.dtensor<f32, replicated on @g> {coco.name = "total"}) {
  %whole = coco.all_gather %w : !coco.dtensor<8x4xf32, sliced<1> on @g[1]>
  %n = coco.norm %whole : !coco.dtensor<8x4xf32, replicated on @g>
  %wn = coco.mul %w, %clip : !coco.dtensor<8x4xf32, sliced<1> on @g[1]>, f32
  coco.update %w, %wn : !coco.dtensor<8x4xf32, sliced<1> on @g[1]>
  return %n : !coco.dtensor<f32, replicated on @g>
}

func.func @probe() {
  return
}

// -----

coco.grid @dp(shape = [?])

// expected-error @+1 {{result 'r' has rank 9: an in-process library returns results of rank at most 8}}
func.func @deep(%x: !coco.dtensor<1x1x1x1x1x1x1x1x1xf32, replicated on @dp>)
    -> (!coco.dtensor<1x1x1x1x1x1x1x1x1xf32, replicated on @dp> {coco.name = "r"}) {
  return %x : !coco.dtensor<1x1x1x1x1x1x1x1x1xf32, replicated on @dp>
}

// -----

// A module of plain tensors (as imported from shard) with no coco op:
// treated as local on the world.
// CHECK: const int64_t e0_a0_placements[] = {-2};
// CHECK: const CocoArgSpec e0_args[] = {
// CHECK-NEXT:     {"arg0", 1, 0, {"arg0", COCO_DTYPE_F64, 1, e0_a0_shape, 1, e0_a0_grid, e0_a0_placements, 0, nullptr}, 0, 0, 0.0, 0},
func.func @plain(%x: tensor<4xf64>) {
  return
}

// -----

// Names are bytes: UTF-8 and control characters as three-digit octal
// escapes. -0.0 keeps its sign; an integral float default of an integer
// scalar is exact.
// CHECK: {"w\303\251\0377", 1, 0, {"w\303\251\0377", COCO_DTYPE_F32,
// CHECK-NEXT: {"z", 0, 0, {}, COCO_DTYPE_F64, 1, -0.0, 0},
// CHECK-NEXT: {"n", 0, 0, {}, COCO_DTYPE_I64, 1, 3, 3LL},
coco.grid @dp(shape = [?])
func.func @names(%x: !coco.dtensor<4xf32, local on @dp> {coco.name = "w\C3\A9\1F7"},
                 %z: f64 {coco.name = "z", coco.value = -0.0 : f64},
                 %n: i64 {coco.name = "n", coco.value = 3.0 : f64}) {
  return
}

// -----

// expected-error @+1 {{coco.value of argument 0 ('i64') is not an integer: 2.5}}
func.func @fraction(%n: i64 {coco.name = "n", coco.value = 2.5 : f64}) {
  return
}

// -----

// expected-error @+1 {{coco.value of argument 0 does not fit in i32: 5000000000}}
func.func @wide(%n: i32 {coco.name = "n", coco.value = 5000000000 : i64}) {
  return
}

// -----

// expected-error @+1 {{entry @my.step cannot be called from C: its name must be a C identifier}}
func.func @"my.step"() {
  return
}

// -----

// expected-error @+1 {{argument 0 of type 'memref<4xf32>' cannot be passed from a host program}}
func.func @bad(%x: memref<4xf32>) {
  return
}

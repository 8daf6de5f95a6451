// RUN: coco-translate --coco-to-cpp-main %s --split-input-file -verify-diagnostics | FileCheck %s

// The generated host program declares the entry's C interface (results
// through a pointer in front, distributed tensors as descriptors of the
// per-rank buffer, scalars by value), builds each argument with its layout,
// and writes back updated parameters and results.

coco.grid @g(shape = [2, ?])

// CHECK: #include "coco/Runtime/CocoHost.h"
// CHECK: struct EntryResults {
// CHECK-NEXT:   MemRef<float, 2> r0;
// CHECK-NEXT:   MemRef<uint16_t, 0> r1;
// CHECK-NEXT: };
// CHECK: extern "C" void _mlir_ciface_step(EntryResults *, MemRef<float, 2> *, MemRef<int32_t, 1> *, float, int64_t);
// CHECK: Session session(argc, argv, "step");
// CHECK: LocalTensor &a0 = session.input(TensorInfo{"w", ElementKind::F32, {8, 4}, LayoutKind::Sliced, 1, {2, -1}, 1, InitKind::Ones});
// CHECK: LocalTensor &a1 = session.input(TensorInfo{"arg1", ElementKind::I32, {6}, LayoutKind::Local, -1, {2, -1}, 0, InitKind::Uniform});
// CHECK: float s2 = static_cast<float>(session.scalar("lr", true, 0.5));
// CHECK: int64_t s3 = static_cast<int64_t>(session.scalar("arg3", false, 0));
// CHECK: LocalTensor &r0 = session.result(TensorInfo{"out", ElementKind::F32, {8, 4}, LayoutKind::Replicated, -1, {2, -1}, 1, InitKind::Zeros});
// CHECK: LocalTensor &r1 = session.result(TensorInfo{"result1", ElementKind::F16, {}, LayoutKind::Replicated,
// CHECK: _mlir_ciface_step(&returned, &d0, &d1, s2, s3);
// CHECK: if (last) session.takeResult(r0, returned.r0);
// CHECK: session.freeReturned(returned.r0.allocated);
// CHECK: session.output(a0);
// CHECK-NEXT: session.output(r0);
// CHECK-NEXT: session.output(r1);
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

func.func @a() { return }
// expected-error @+1 {{several public functions could be the entry (@a, @b): choose one with --coco-entry=NAME}}
func.func @b() { return }

// -----

// expected-error @+1 {{argument 0 of type 'memref<4xf32>' cannot be passed from a host program}}
func.func @f(%m: memref<4xf32>) { return }

// -----

coco.grid @g(shape = [?])
// expected-error @+1 {{coco.init of argument 0 must be one of "Uniform", "Positive", "Zeros", "Ones"}}
func.func @f(%x: !coco.dtensor<4xf32, local on @g> {coco.init = "Random"}) { return }

// RUN: coco-opt %s --convert-coco-to-llvm="runtime=gpu" --split-input-file -verify-diagnostics | FileCheck %s
// RUN: coco-opt %s --convert-coco-to-llvm="runtime=gpu" | FileCheck %s --check-prefix=NORT
// RUN: not coco-opt %s --convert-coco-to-llvm="runtime=tpu" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADRUNTIME
// BADRUNTIME: for the --runtime option: Cannot find option named 'tpu'

// runtime=gpu: the same runtime ABI under coco_gpu_* names (NCCL), and
// matmuls to cuBLAS with the element type's dtype code.
coco.grid @tp(shape = [2])

// CHECK-LABEL: func @layer
// CHECK: %[[F16:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: llvm.call @coco_gpu_matmul(%{{.*}}, %[[F16]], %{{.*}}) : (!llvm.ptr, i32, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr) -> ()
// CHECK: %[[BF16:.*]] = llvm.mlir.constant(3 : i32) : i32
// CHECK: llvm.call @coco_gpu_matmul(%{{.*}}, %[[BF16]], %{{.*}})
// CHECK: %[[F32:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK: llvm.call @coco_gpu_matmul(%{{.*}}, %[[F32]], %{{.*}})
// CHECK: llvm.call @coco_rt_comm(
// CHECK: llvm.call @coco_gpu_all_reduce(
// CHECK: %[[REQ:.*]] = llvm.call @coco_gpu_iall_reduce(
// CHECK: llvm.call @coco_gpu_wait(%{{.*}}, %[[REQ]])
// A matmul cuBLAS has no type for (i32), or with strided columns, stays
// linalg, for loops or kernels.
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x4xi32>, memref<4x4xi32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x4xf32, strided<[1, 4]>>, memref<4x4xf32>)
// NORT-NOT: coco_rt_all_reduce
// NORT-NOT: coco_rt_iall_reduce
// NORT-NOT: coco_rt_wait
func.func @layer(%a16: memref<8x4xf16>, %b16: memref<4x8xf16>, %c16: memref<8x8xf16>,
                 %a: memref<8x4xbf16>, %b: memref<4x8xbf16>, %c: memref<8x8xbf16>,
                 %x: memref<8x4xf32>, %y: memref<4x8xf32>, %z: memref<8x8xf32>, %o: memref<8x8xf32>,
                 %i: memref<4x4xi32>) {
  linalg.matmul ins(%a16, %b16 : memref<8x4xf16>, memref<4x8xf16>) outs(%c16 : memref<8x8xf16>)
  linalg.matmul ins(%a, %b : memref<8x4xbf16>, memref<4x8xbf16>) outs(%c : memref<8x8xbf16>)
  linalg.matmul ins(%x, %y : memref<8x4xf32>, memref<4x8xf32>) outs(%z : memref<8x8xf32>)
  coco.comm.all_reduce sum %z into %o on @tp[0] : memref<8x8xf32>, memref<8x8xf32>
  %r = coco.comm.iall_reduce sum %z into %o on @tp[0] : memref<8x8xf32>, memref<8x8xf32>
  coco.comm.wait %r, %z, %o : memref<8x8xf32>, memref<8x8xf32>
  linalg.matmul ins(%i, %i : memref<4x4xi32>, memref<4x4xi32>) outs(%i : memref<4x4xi32>)
  %t = memref.alloc() : memref<4x4xf32>
  %tt = memref.transpose %t (i, j) -> (j, i) : memref<4x4xf32> to memref<4x4xf32, strided<[1, 4]>>
  linalg.matmul ins(%tt, %t : memref<4x4xf32, strided<[1, 4]>>, memref<4x4xf32>) outs(%t : memref<4x4xf32>)
  return
}

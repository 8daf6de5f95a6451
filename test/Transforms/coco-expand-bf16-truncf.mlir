// RUN: coco-opt %s --coco-expand-bf16-truncf | FileCheck %s

// f32 to bf16, rounding to nearest even, in integer ops: the bits plus
// 0x7fff and the lowest kept bit, shifted right by 16; a NaN (magnitude
// above 0x7f800000, tested on the integer bits) keeps its upper bits and is
// made quiet.
// CHECK-LABEL: func @scalar
// CHECK-SAME: (%[[X:.*]]: f32)
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : i32
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[C7FFF:.*]] = arith.constant 32767 : i32
// CHECK-DAG: %[[ABS:.*]] = arith.constant 2147483647 : i32
// CHECK-DAG: %[[INF:.*]] = arith.constant 2139095040 : i32
// CHECK-DAG: %[[QUIET:.*]] = arith.constant 64 : i32
// CHECK: %[[BITS:.*]] = arith.bitcast %[[X]] : f32 to i32
// CHECK: %[[HIGH:.*]] = arith.shrui %[[BITS]], %[[C16]] : i32
// CHECK: %[[ODD:.*]] = arith.andi %[[HIGH]], %[[C1]] : i32
// CHECK: %[[BIAS:.*]] = arith.addi %[[ODD]], %[[C7FFF]] : i32
// CHECK: %[[SUM:.*]] = arith.addi %[[BITS]], %[[BIAS]] : i32
// CHECK: %[[ROUNDED:.*]] = arith.shrui %[[SUM]], %[[C16]] : i32
// CHECK: %[[MAG:.*]] = arith.andi %[[BITS]], %[[ABS]] : i32
// CHECK: %[[NAN:.*]] = arith.cmpi ugt, %[[MAG]], %[[INF]] : i32
// CHECK: %[[Q:.*]] = arith.ori %[[HIGH]], %[[QUIET]] : i32
// CHECK: %[[SEL:.*]] = arith.select %[[NAN]], %[[Q]], %[[ROUNDED]] : i32
// CHECK: %[[NARROW:.*]] = arith.trunci %[[SEL]] : i32 to i16
// CHECK: %[[R:.*]] = arith.bitcast %[[NARROW]] : i16 to bf16
// CHECK-NOT: arith.truncf
// CHECK-NOT: arith.cmpf
// CHECK: return %[[R]] : bf16
func.func @scalar(%x: f32) -> bf16 {
  %y = arith.truncf %x : f32 to bf16
  return %y : bf16
}

// Vectors: the same ops on splat constants. An explicit to_nearest_even is
// the default.
// CHECK-LABEL: func @vector
// CHECK-DAG: arith.constant dense<2139095040> : vector<8xi32>
// CHECK: %[[BITS:.*]] = arith.bitcast %{{.*}} : vector<8xf32> to vector<8xi32>
// CHECK: arith.cmpi ugt, %{{.*}}, %{{.*}} : vector<8xi32>
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<8xi1>, vector<8xi32>
// CHECK: arith.trunci %{{.*}} : vector<8xi32> to vector<8xi16>
// CHECK: %[[R:.*]] = arith.bitcast %{{.*}} : vector<8xi16> to vector<8xbf16>
// CHECK-NOT: arith.truncf
// CHECK: return %[[R]]
func.func @vector(%x: vector<8xf32>) -> vector<8xbf16> {
  %y = arith.truncf %x to_nearest_even : vector<8xf32> to vector<8xbf16>
  return %y : vector<8xbf16>
}

// Left alone: another rounding mode, another source (f64) or result (f16)
// type, an extf, and tensors (the CPU pipeline's loops compute on scalars;
// a dynamically shaped tensor has no splat constant).
// CHECK-LABEL: func @untouched
// CHECK-NEXT: arith.truncf %{{.*}} toward_zero : f32 to bf16
// CHECK-NEXT: arith.truncf %{{.*}} : f64 to bf16
// CHECK-NEXT: arith.truncf %{{.*}} : f32 to f16
// CHECK-NEXT: arith.extf %{{.*}} : bf16 to f32
// CHECK-NEXT: arith.truncf %{{.*}} : tensor<?xf32> to tensor<?xbf16>
// CHECK-NEXT: return
func.func @untouched(%x: f32, %d: f64, %b: bf16, %t: tensor<?xf32>)
    -> (bf16, bf16, f16, f32, tensor<?xbf16>) {
  %z = arith.truncf %x toward_zero : f32 to bf16
  %u = arith.truncf %d : f64 to bf16
  %h = arith.truncf %x : f32 to f16
  %e = arith.extf %b : bf16 to f32
  %v = arith.truncf %t : tensor<?xf32> to tensor<?xbf16>
  return %z, %u, %h, %e, %v : bf16, bf16, f16, f32, tensor<?xbf16>
}

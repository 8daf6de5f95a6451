// Remarks of the schedules on a [2, 4] grid (pipeline stages on axis 0,
// tensor parallelism on axis 1): coco-pipeline-send says which send became
// a send of slices and which sends it leaves, coco-split which all_reduce
// its axes filter excludes.
//
// RUN: coco-opt %s --coco-pipeline-send --remarks-filter=coco-pipeline-send -o /dev/null 2>&1 | FileCheck %s --check-prefix=SEND
// RUN: coco-opt %s --coco-split=axes=1 --remarks-filter=coco-split -o /dev/null 2>&1 | FileCheck %s --check-prefix=SPLIT

coco.grid @pp(shape = [2, 4])
!P = !coco.dtensor<8x16xf32, local on @pp[1]>
!R = !coco.dtensor<8x16xf32, replicated on @pp[1]>
!D = !coco.dtensor<8x16xf32, local on @pp[0]>

func.func @stage(%partial: !P, %residual: !R, %grad: !D) -> !R {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %stage = coco.axis_rank @pp[0]
  %first = arith.cmpi eq, %stage, %c0 : index
  // SPLIT-DAG: schedule-remarks-nd.mlir:[[@LINE+1]]:8: remark: [Missed] not-applied | Category:coco-split | Function=stage | Remark="it runs along [0], not [1]"
  %s = coco.all_reduce sum %grad : !D
  %0 = scf.if %first -> !R {
    // SPLIT-DAG: schedule-remarks-nd.mlir:[[@LINE+1]]:10: remark: [Passed] applied | Category:coco-split | Function=stage | Remark="all_reduce sum became reduce_scatter along dimension 0 + all_gather"
    %y = coco.all_reduce sum %partial : !P
    // SEND-DAG: schedule-remarks-nd.mlir:[[@LINE+1]]:5: remark: [Passed] applied | Category:coco-pipeline-send | Function=stage | Remark="sends !coco.dtensor<8x16xf32, sliced<0> on @pp[1]> slices (1 send(s)); the receiver all_gathers along [1]"
    coco.send %y to %c1 along 0 : !R
    scf.yield %residual : !R
  } else {
    %x = coco.recv from %c0 along 0 : !R
    %z = coco.add %x, %residual : !R, !R
    scf.yield %z : !R
  }
  return %0 : !R
}

// Stages on a grid of one axis: a plain value is sent whole.
coco.grid @line(shape = [2])
func.func @plain(%x: !coco.dtensor<8xf32, replicated on @line>) {
  %c1 = arith.constant 1 : index
  // SEND-DAG: schedule-remarks-nd.mlir:[[@LINE+1]]:3: remark: [Missed] not-applied | Category:coco-pipeline-send | Function=plain | Remark="it sends no result of a collective along other axes than its peer axis"
  coco.send %x to %c1 along 0 : !coco.dtensor<8xf32, replicated on @line>
  return
}

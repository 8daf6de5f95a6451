// RUN: coco-opt %s --coco-isolate-symbols -verify-diagnostics

// A symbol that holds a new name already: an error, not a merge.
func.func private @"coco.fn.step"()
// expected-error @+1 {{cannot be renamed @coco.fn.step (its symbol in the compiled code, apart from library symbols): the module has a symbol of that name already}}
func.func @step() {
  return
}

extends Node

# The spec's example. Until the resource loader lands, the model is loaded from
# its OS path (ProjectSettings.globalize_path) rather than with load().
var model: ExecuTorchResource

func _ready():
	model = ExecuTorchResource.new()
	model.load_from_file(ProjectSettings.globalize_path("res://models/linear_regression.pte"))

	if model.is_loaded():
		var result = model.forward({"input_0": [2.5]})
		print("Prediction: ", result["output_0"][0])
		print("Inputs: ", model.get_input_names(), " shapes ", model.get_input_shapes())
		print("Last inference: ", model.get_last_inference_time(), " ms")
	get_tree().quit()

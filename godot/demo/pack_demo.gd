extends SceneTree

# The demo's models inside a pack only: write the pack with Godot's PCKPacker, mount it as
# --main-pack or an exported game would, and load() the models from it. Each model streams
# from the pack through FileAccess, segment by segment.
#   godot --headless --path demo -s pack_demo.gd
func _init():
	var pck = ProjectSettings.globalize_path("user://models.pck")
	var packer = PCKPacker.new()
	packer.pck_start(pck)
	packer.add_file("res://packed/only_in_pack.pte", ProjectSettings.globalize_path("res://models/linear_regression.pte"))
	packer.add_file("res://packed/mlp_in_pack.pte", ProjectSettings.globalize_path("res://models/mlp.pte"))
	packer.flush()
	print("pack mounted: ", ProjectSettings.load_resource_pack(pck))
	print("on disk: ", DirAccess.dir_exists_absolute(ProjectSettings.globalize_path("res://packed")))
	var model = load("res://packed/only_in_pack.pte")
	print("loaded from pack: ", model.is_loaded(), " ", model.get_source_file_path())
	print("Prediction from pack: ", model.forward({"input_0": [2.5]})["output_0"][0])
	var mlp = load("res://packed/mlp_in_pack.pte")
	var x := PackedFloat32Array()
	for i in 16:
		x.append(i / 16.0)
	print("MLP from pack: ", mlp.info_backends, " ", mlp.info_file_size, " bytes, output ", mlp.forward({"input_0": x})["output_0"])
	quit()

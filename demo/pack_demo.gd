extends SceneTree

# A model that exists only inside a pack: write the pack with Godot's PCKPacker, mount it as
# --main-pack or an exported game would, and load() the model from it.
#   godot --headless --path demo -s pack_demo.gd
func _init():
	var pck = ProjectSettings.globalize_path("user://models.pck")
	var packer = PCKPacker.new()
	packer.pck_start(pck)
	packer.add_file("res://packed/only_in_pack.pte", ProjectSettings.globalize_path("res://models/linear_regression.pte"))
	packer.flush()
	print("pack mounted: ", ProjectSettings.load_resource_pack(pck))
	print("on disk: ", DirAccess.dir_exists_absolute(ProjectSettings.globalize_path("res://packed")))
	var model = load("res://packed/only_in_pack.pte")
	print("loaded from pack: ", model.is_loaded(), " ", model.get_source_file_path())
	print("Prediction from pack: ", model.forward({"input_0": [2.5]})["output_0"][0])
	quit()

# Makes DIR a fresh, empty work directory with the subfolders files.scn uses.
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}/res/out" "${DIR}/user")

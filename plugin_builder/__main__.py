from plugin_builder.cli import main

main()

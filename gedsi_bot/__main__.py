from gedsi_bot.cli import main

main()

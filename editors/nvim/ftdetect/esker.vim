" Esker source files.
autocmd BufRead,BufNewFile *.esk setfiletype esker

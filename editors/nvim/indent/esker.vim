" Esker indentation: one level more after a line that ends with an open
" bracket, one level less on a line that starts with a closing one.
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=EskerIndent(v:lnum)
setlocal indentkeys=0{,0},0),0],!^F,o,O,e
let b:undo_indent = 'setlocal indentexpr< indentkeys<'

if exists('*EskerIndent')
  finish
endif

function! EskerIndent(lnum) abort
  let previous = prevnonblank(a:lnum - 1)
  if previous == 0
    return 0
  endif
  let indent = indent(previous)
  " A trailing comment (a `#` with no quote after it) does not hide the bracket.
  let code = substitute(getline(previous), '\s*#[^"]*$', '', '')
  if code =~# '[{[(]\s*$'
    let indent += shiftwidth()
  endif
  if getline(a:lnum) =~# '^\s*[}\])]'
    let indent -= shiftwidth()
  endif
  return indent
endfunction

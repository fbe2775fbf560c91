" Vim syntax file for Esker (.esk): keywords, operators, numbers in every
" base, strings with their escapes, comments, and declarations.
if exists('b:current_syntax')
  finish
endif

syntax keyword eskerConditional if else match
syntax keyword eskerRepeat while for in
syntax keyword eskerStatement return break continue yield throw
syntax keyword eskerException try catch finally
syntax keyword eskerDeclaration let const
syntax keyword eskerInclude import as
syntax keyword eskerLogical and or not
syntax keyword eskerBoolean true false
syntax keyword eskerNil nil
syntax keyword eskerSelf self
syntax keyword eskerBuiltin print len str repr int float type range array assert abs min max chr ord clock Error math

syntax keyword eskerFn fn nextgroup=eskerFunctionName skipwhite
syntax match eskerFunctionName '\h\w*' contained
syntax keyword eskerStructure struct enum nextgroup=eskerTypeName skipwhite
syntax match eskerTypeName '\h\w*' contained

" Capitalised names are types and variants; all-caps names are constants.
syntax match eskerType '\<\u\w*\>'
syntax match eskerConstant '\<\u[A-Z0-9_]\+\>'

syntax match eskerOperator '[-+*/%=<>!&|^~?]'
syntax match eskerOperator '\.\.[.=]\='
syntax match eskerOperator '=>'

" Later rules win at the same position: a float beats the integer it starts with.
syntax match eskerNumber '\<\d[0-9_]*\>'
syntax match eskerNumber '\<0[xX]\x[0-9A-Fa-f_]*\>'
syntax match eskerNumber '\<0[oO]\o[0-7_]*\>'
syntax match eskerNumber '\<0[bB][01][01_]*\>'
syntax match eskerFloat '\<\d[0-9_]*\.\d[0-9_]*\%([eE][+-]\=\d[0-9_]*\)\=\>'
syntax match eskerFloat '\<\d[0-9_]*[eE][+-]\=\d[0-9_]*\>'

syntax match eskerEscapeError '\\.' contained
syntax match eskerEscape '\\[ntr0\\"]' contained
syntax match eskerEscape '\\u{\x\{1,6}}' contained
syntax region eskerString start='"' skip='\\\\\|\\"' end='"' end='$' contains=eskerEscape,eskerEscapeError,@Spell

syntax keyword eskerTodo TODO FIXME XXX NOTE contained
syntax match eskerComment '#.*$' contains=eskerTodo,@Spell

highlight default link eskerConditional Conditional
highlight default link eskerRepeat Repeat
highlight default link eskerStatement Statement
highlight default link eskerException Exception
highlight default link eskerDeclaration Keyword
highlight default link eskerInclude Include
highlight default link eskerLogical Operator
highlight default link eskerBoolean Boolean
highlight default link eskerNil Constant
highlight default link eskerSelf Identifier
highlight default link eskerBuiltin Function
highlight default link eskerFn Keyword
highlight default link eskerFunctionName Function
highlight default link eskerStructure Structure
highlight default link eskerTypeName Type
highlight default link eskerType Type
highlight default link eskerConstant Constant
highlight default link eskerOperator Operator
highlight default link eskerNumber Number
highlight default link eskerFloat Float
highlight default link eskerEscape SpecialChar
highlight default link eskerEscapeError Error
highlight default link eskerString String
highlight default link eskerTodo Todo
highlight default link eskerComment Comment

let b:current_syntax = 'esker'

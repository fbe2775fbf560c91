" Vim syntax file for Esker (.esk): keywords, operators, numbers in every
" base, strings (plain, raw, triple-quoted and f-strings with their fields as
" code) with their escapes, comments, and declarations.
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
" A one-line string's quote is not followed by two more (that opens a
" triple-quoted string). A prefix counts only right before the quote, not
" inside a name (`xf"q"` is a name and a string).
syntax region eskerString start='"\%(""\)\@!' skip='\\\\\|\\"' end='"' end='$' contains=eskerEscape,eskerEscapeError,@Spell
syntax region eskerString start='"""' end='"""' contains=eskerEscape,eskerEscapeError,@Spell
syntax region eskerRawString start='\<r"\%(""\)\@!' end='"' end='$' contains=@Spell
syntax region eskerRawString start='\<r"""' end='"""' contains=@Spell

" f-strings: the text is a string, each {…} field is code up to its `}`, with
" the format spec after a `:` that stands outside the field's own brackets.
syntax cluster eskerFStringText contains=eskerFieldBraces,eskerBraceError,@Spell
syntax region eskerFString matchgroup=eskerString start='\<f"\%(""\)\@!' skip='\\\\\|\\"' end='"' end='$'
      \ contains=eskerEscape,eskerEscapeError,eskerField,@eskerFStringText
syntax region eskerFString matchgroup=eskerString start='\<\%(rf\|fr\)"\%(""\)\@!' end='"' end='$'
      \ contains=eskerField,@eskerFStringText
syntax region eskerFString matchgroup=eskerString start='\<f"""' end='"""'
      \ contains=eskerEscape,eskerEscapeError,eskerFieldLong,@eskerFStringText
syntax region eskerFString matchgroup=eskerString start='\<\%(rf\|fr\)"""' end='"""'
      \ contains=eskerFieldLong,@eskerFStringText
syntax cluster eskerCode contains=eskerConditional,eskerRepeat,eskerStatement,eskerException,
      \ eskerDeclaration,eskerInclude,eskerLogical,eskerBoolean,eskerNil,eskerSelf,eskerBuiltin,eskerFn,
      \ eskerStructure,eskerType,eskerConstant,eskerOperator,eskerNumber,eskerFloat,eskerString,
      \ eskerRawString,eskerFString,eskerFieldNest
syntax region eskerField matchgroup=eskerFieldDelimiter start='{' end='}' end='$' contained
      \ contains=@eskerCode,eskerFormatSpec
syntax region eskerFieldLong matchgroup=eskerFieldDelimiter start='{' end='}' contained
      \ contains=@eskerCode,eskerFormatSpec
syntax region eskerFieldNest start='(' end=')' contained transparent contains=@eskerCode
syntax region eskerFieldNest start='\[' end='\]' contained transparent contains=@eskerCode
syntax region eskerFieldNest start='{' end='}' contained transparent contains=@eskerCode
syntax match eskerFormatSpec ':[^{}"]*\ze}' contained
syntax match eskerBraceError '}' contained
syntax match eskerFieldBraces '{{\|}}' contained

" A triple-quoted string may span many lines: parse from the top of the file
" so a line in the middle of one is never taken for code.
syntax sync fromstart

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
highlight default link eskerRawString String
highlight default link eskerFString String
highlight default link eskerFieldDelimiter Delimiter
highlight default link eskerFormatSpec SpecialChar
highlight default link eskerFieldBraces SpecialChar
highlight default link eskerBraceError Error
highlight default link eskerTodo Todo
highlight default link eskerComment Comment

let b:current_syntax = 'esker'

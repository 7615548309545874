/**
 * `Data<T>`: the type that marks a parameter as data, which gets no gradient
 * (`loss(w: Float64Array, xs: Data<Float64Array>)`). It is `T` to every use of the value; an
 * optional property under a symbol no value has lets `grad()`'s types tell it apart (see
 * `GradsOf`). Types only: nothing here exists at run time.
 */
declare const data: unique symbol;

/**
 * A parameter that is data, not differentiated: `xs: Data<Float64Array>`. adgen's compiler (the
 * CLI, `compile`, the bundler plugins) gives it no gradient, as if `wrt` left it out, and
 * `grad()`'s result type has no entry for it. A `T` is a `Data<T>` and the other way round.
 */
export type Data<T> = T & { readonly [data]?: true };

/** Whether a parameter's type was declared `Data<T>`. */
export type IsData<P> = typeof data extends keyof P ? true : false;

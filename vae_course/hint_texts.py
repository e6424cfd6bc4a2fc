"""The tiered hints of every exercise, as plain text (lessons 01-08): no TensorFlow, nothing else imported.

Each exercise has levels in order: 1 the idea (which identity or property to use), 2 the key step,
3 the formula. Hints are words and equations, never code: a test compares them with the solution
notebooks' answer lines. Shown by :func:`vae_course.hints.hint`; a failing check ends with :func:`hint_call`.
"""
from __future__ import annotations

__all__ = ["hint_call", "HINTS"]


def hint_call(name: str) -> str:
    """The line a failing check ends with: the hint call to try next."""
    return f'Stuck? Run hint("{name}") (from vae_course.hints import hint) for the next hint.'


HINTS = {
    # lesson 01
    "binarize": (
        "A pixel is white when it is brighter than half of the full range 0..255. Compare, then turn the "
        "comparison's booleans into numbers.",
        "Scale the grey level to [0, 1] first (the full range is 255), compare with 1/2, then add a trailing "
        "channel axis of size 1 for Keras; keep the result float32.",
        "x = 1[pixel / 255 > 1/2], shape (N, 28, 28) -> (N, 28, 28, 1).",
    ),
    "dynamic_binarize": (
        "Each pixel is a coin flip: a Bernoulli variable whose probability of 1 is its grey level scaled to [0, 1]. "
        "The randomness comes from a generator seeded with `seed`, so the same seed gives the same images.",
        "A uniform number u in [0, 1) is below p with probability exactly p: draw one uniform per pixel from a "
        "seeded generator and compare.",
        "x = 1[u < pixel / 255] with u ~ Uniform[0, 1) drawn independently per pixel from a generator seeded with "
        "`seed`; shape (N, 28, 28, 1), float32.",
    ),
    # lesson 02
    "log_normal_pdf": (
        "The dimensions are independent, so the log-density of the vector is the sum of D one-dimensional "
        "log-densities. Work in log space from the start.",
        "Take the log of the one-dimensional Gaussian density term by term: a squared distance scaled by the "
        "variance, the log of the normalizing factor 1/sqrt(2π σ²), and write σ² through logvar.",
        "log N(z; μ, diag σ²) = −½ Σ_d [ (z_d − μ_d)² / σ_d² + logvar_d + log 2π ], with σ_d² = e^{logvar_d}.",
    ),
    "posterior": (
        "TFP separates batch_shape (independent distributions side by side, one per example) from event_shape "
        "(the coordinates of one draw, whose log-probabilities are summed by log_prob). q(z|x) is one "
        "distribution over a D-vector per example.",
        "Build the simplest Gaussian you can from mean and the standard deviation and print it: log_prob sums "
        "only over the event axes, so look at where your D axis ended up. It has to be an event axis, not a "
        "batch axis; TFP can either move batch axes into the event or describe a vector-valued Gaussian directly.",
        "q(z|x) = N(mean, diag σ²) with σ = e^{½·logvar} as its scale (standard deviation, not variance); "
        "batch_shape (B,), event_shape (D,): a diagonal multivariate Normal, or the univariate Normal with its "
        "last batch axis reinterpreted as the event.",
    ),
    # lesson 03
    "std_from_logvar": (
        "logvar and σ describe the same spread on two scales. Write down how the variance is obtained from "
        "logvar, and how σ is obtained from the variance; then combine the two steps into one.",
        "Combine the two steps before computing anything: a root is a power, and a power of an exponential "
        "changes its exponent. You never need the variance itself (it overflows float32 for logvar > 88).",
        "σ = sqrt(e^{logvar}) = e^{½·logvar}.",
    ),
    # lesson 04
    "reparameterize": (
        "If ε ~ N(0, 1), an affine function of ε is Gaussian too: shifting moves its mean, scaling changes its "
        "standard deviation. All the randomness stays in the eps you are given.",
        "Suppose z = a + b·ε with ε ~ N(0, 1): what are the mean and the variance of z? Choose a and b (per "
        "element) so that they are μ and e^{logvar}; b must come from logvar without forming the variance.",
        "z = μ + σ ⊙ ε, with σ = e^{½·logvar}.",
    ),
    "score_function_gradient": (
        "The log-derivative trick: ∂/∂μ q(z) = q(z) · ∂/∂μ log q(z), so ∂/∂μ E_q[f(z)] = E_q[f(z) · ∂/∂μ log q(z)]. "
        "f is only evaluated, never differentiated.",
        "Form the samples z_k from eps, evaluate f at them, and multiply each f(z_k) by the gradient with respect "
        "to μ of the Gaussian log-density at z_k (the score); then average over the K samples.",
        "ĝ = (1/K) Σ_k f(z_k) · (z_k − μ) / σ², with z_k = μ + σ ⊙ ε_k and σ² = e^{logvar}.",
    ),
    # lesson 05
    "bernoulli_log_likelihood": (
        "The pixels are independent given z: the log-likelihood of an image is the sum over all its pixels of "
        "the log-probability of each 0/1 pixel under a Bernoulli with the given logit.",
        "Express the log-probability of a white pixel and of a black pixel as functions of ℓ itself, never forming "
        "σ(ℓ) on the way: σ(ℓ) rounds to exactly 0 or 1 for large |ℓ| in float32. TensorFlow has cross-entropies "
        "computed from logits.",
        "log p(x|z) = Σ_i [ x_i ℓ_i − log(1 + e^{ℓ_i}) ] = −Σ_i (sigmoid cross-entropy of x_i with logit ℓ_i), "
        "summed over axes 1, 2 and 3.",
    ),
    # lesson 06
    "kl_standard_normal": (
        "KL(q ‖ p) = E_q[log q(z) − log p(z)]: both are Gaussians with independent dimensions, so the KL is a "
        "sum of D one-dimensional KLs, each computable in closed form.",
        "In one dimension, write log q − log p with the Gaussian log-densities and take the expectation under q: "
        "you need E_q[(z − μ)²] = σ² and E_q[z²] = μ² + σ².",
        "KL = ½ Σ_d ( σ_d² + μ_d² − 1 − logvar_d ), with σ_d² = e^{logvar_d}.",
    ),
    "elbo_single_sample": (
        "The ELBO is E_q[log p(x|z) + log p(z) − log q(z|x)]; a single-sample estimate evaluates the inside "
        "of that expectation at the one z you are given.",
        "Name the three densities inside the expectation, each with its variable and its parameters: one is "
        "over the image x, two are over the code z. Which exercise evaluated each kind? Write the prior in the "
        "same parametrisation as the encoder's Gaussian. No expectation to compute: evaluate at the z given.",
        "ELBO ≈ log p(x|z) + log N(z; 0, I) − log N(z; μ, diag σ²), one value per example.",
    ),
    "iwae_bound": (
        "The importance-weighted bound is the log of the average of the K importance weights w_k = p(x, z_k) / "
        "q(z_k|x), per example. You are given log w_k, and exponentiating −10⁴ underflows to 0.",
        "Compute the log of a mean of exponentials in log space: factor out the largest log-weight before "
        "exponentiating (the log-sum-exp trick), and dividing by K is subtracting log K.",
        "L_K = log (1/K) Σ_k e^{log w_k} = m + log Σ_k e^{log w_k − m} − log K with m = max_k log w_k, over axis 0.",
    ),
    # lesson 07
    "make_encoder": (
        "A Keras model applies its layers in order, and each layer's output shape follows from its input shape "
        "and its settings. Predict the shape after every layer before running anything, then print the shapes "
        "your network actually produces and compare.",
        "What decides a convolution's output size is its kernel, its stride and its padding; what decides the "
        "number of channels is its filter count. The last layer's outputs are means and log-variances: ask which "
        "activations would forbid some of their values.",
        "Output size of a convolution with kernel k and stride s on n pixels: ⌊(n − k)/s⌋ + 1 with 'valid' "
        "padding, ⌈n/s⌉ with 'same'. Weights of a k×k convolution from C_in to C_out channels: k·k·C_in·C_out + "
        "C_out; of a dense layer from n to m units: n·m + m.",
    ),
    "make_decoder": (
        "The decoder runs the encoder's path backwards: from a short vector to a small feature map, then up to "
        "the image size. Predict the shape after every layer before running anything, then print the shapes "
        "your network actually produces and compare.",
        "A dense layer's output is a vector, and a convolution needs a map: something has to change the shape "
        "without computing. A transposed convolution's stride multiplies the size. The outputs are logits: ask "
        "which activations would forbid some of their values.",
        "Output size of a transposed convolution with stride s and 'same' padding on n pixels: n·s. Weights of a "
        "k×k (transposed) convolution from C_in to C_out channels: k·k·C_in·C_out + C_out; of a dense layer from "
        "n to m units: n·m + m.",
    ),
    # lesson 08
    "train_step": (
        "One step of gradient descent on the loss −mean ELBO: the optimizer minimizes, and it needs the gradient "
        "of that loss with respect to every weight of the encoder and the decoder.",
        "Record the whole forward pass (encode, draw fresh standard-normal noise, reparameterize with that noise, "
        "decode to logits, the loss) while TensorFlow watches the computation, then take the gradients with "
        "respect to model.trainable_variables and apply them once. The model's reparameterize wants the noise you "
        "drew passed in, after mean and logvar.",
        "loss = −(1/B) Σ_b [ log p(x_b|z_b) + log p(z_b) − log q(z_b|x_b) ], z_b = μ(x_b) + σ(x_b) ⊙ ε_b, "
        "ε_b ~ N(0, I) fresh at every call; weights ← optimizer step along −∂loss/∂weights; the step's result is the loss.",
    ),
}

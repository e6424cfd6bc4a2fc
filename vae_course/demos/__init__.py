"""Helpers that serve one lesson's demonstration each; the core modules do not import them.

- ``toy_posterior``: a 1-D latent model whose posterior, evidence and ELBO are computed on a grid (lesson 00).
- ``objective_pictures``: the toy posterior and a Gaussian q, the two KL fits, decoded prior samples (lesson 00).
- ``autoencoder``: the shipped plain autoencoder shown next to the VAE (lesson 00).
- ``pixel_stats``: grey levels and binarization statistics of MNIST (lesson 01).
- ``binarization_pictures``: one digit binarized several ways; dynamic binarization per pass (lesson 01).
- ``covariance``: diagonal versus full-covariance Gaussians (lesson 02).
- ``log_density_terms``: the diagonal Gaussian log-density of one code, term by term (lesson 02).
- ``variance_parametrization``: ways to get σ from an unconstrained number (lesson 03).
- ``gradient_estimators``: reparameterization versus score-function gradients (lesson 04).
- ``gradient_pictures``: fixed versus fresh noise, gradient histograms, variance versus N (lesson 04).
- ``reparameterization_graph``: the sampling graph before and after reparameterization (lesson 04).
- ``decoder_pictures``: p(x|z) as logits, mean and samples; every image under every code (lesson 05).
- ``elbo_gap``: log p(x) = ELBO + KL(q(z|x) ‖ p(z|x)) drawn as bars (lesson 06).
- ``elbo_pictures``: spread of ELBO estimates, per-digit costs, L_K against K (lesson 06).
- ``latent_usage``: KL and activity (Burda et al., 2016) of each latent dimension (lesson 06).
- ``architecture``: the encoder and decoder as one diagram with every tensor's shape (lesson 07).
- ``speed_pictures``: the presets' learning-rate schedules and the benchmark curve (lesson 10).
- ``networks``: the layer table (output shapes, parameter counts) of the encoder and decoder (lesson 07).
- ``transposed_conv``: a transposed convolution as overlapping stamps of the kernel (lesson 07).
- ``training_pictures``: the decoded prior samples after chosen epochs, from a run's GIF (lesson 08).
- ``latent_paths``: linear and spherical paths through the latent space (lesson 09).
- ``latent_pictures``: decoded latent paths, reconstructions for each latent size (lesson 09).
"""
